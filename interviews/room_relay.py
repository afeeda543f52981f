"""The room's event path: relay first, store right after.

An event is numbered, sent to the room's sockets at once and handed to this process's
writer, which stores the event log (RoomEvent rows, RoomState.last_seq) and the
whiteboard (WhiteboardElement, reconciled by version) in batches a few tens of
milliseconds later: one transaction for many events (group commit) instead of one per
stroke on Channels' single database thread.

With REDIS_URL, one Redis script numbers an event (a counter per session) and publishes
it on the room's Redis channel in the same step, so every process serving the room gets
every event in number order; each process subscribes once per room and hands events to
its own sockets, both over one RESP3 connection per process (interviews/room_redis.py).
Without Redis this process is the whole deployment: it numbers events
itself and hands them over directly. Counters start from the database's last_seq.
Numbers are taken only when nothing can fail before the event is queued for storing, so
they stay gap-free; an event published by another process (a Celery worker stores first,
then publishes) can still arrive a little out of order, and clients put events back in
order. A client that resumes gets the log from the database plus what this process has
not stored yet, after waiting briefly for other processes' writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from django.conf import settings
from django.db import (
    DataError,
    IntegrityError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.utils import timezone

from interviews.models import MockSession, RoomEvent, RoomState, WhiteboardElement
from interviews.room_redis import RoomRedis

log = logging.getLogger(__name__)

WRITER_INTERVAL = float(os.environ.get("ROOM_WRITER_INTERVAL", "0.2"))
CATCH_UP_WAIT = 5.0  # how long a resume waits for other processes' writers
SEQ_KEY_SECONDS = 24 * 3600  # an idle room's counter then restarts from the database
VOID = "void"  # fills a number whose event was lost (a crash before it was stored)


# Made once: json.dumps with options builds an encoder for every call.
compact_json = json.JSONEncoder(separators=(",", ":")).encode


def group_name(session_id: int) -> str:
    """The channel-layer group of a room's sockets: presence and voice signalling."""
    return f"room-{session_id}"


@dataclass(frozen=True)
class SessionRef:
    """What the event path needs to know of a session: its id and its never-reused uid,
    which names the Redis counter (ids repeat when a test database is recreated)."""

    id: int
    uid: str


def session_ref(session: MockSession) -> SessionRef:
    return SessionRef(session.pk, str(session.uid))


_uids: dict[int, str] = {}


def session_ref_for(session_id: int) -> SessionRef:
    if session_id not in _uids:
        _uids[session_id] = str(MockSession.objects.values_list("uid", flat=True)
                                .get(pk=session_id))
    return SessionRef(session_id, _uids[session_id])


@dataclass
class Event:
    session_id: int
    kind: str
    payload: dict
    actor_id: int | None = None
    seq: int = 0  # given when the event is numbered
    created_at: datetime = field(default_factory=timezone.now)
    payload_json: str = ""

    def __post_init__(self):
        if not self.payload_json:
            self.payload_json = compact_json(self.payload)

    # The socket frame is encoded once for every client: FRAME_HEAD, the number, the tail.
    FRAME_HEAD = '{"type":"event","seq":'

    @property
    def frame_tail(self) -> str:
        return f',"kind":{json.dumps(self.kind)},"payload":{self.payload_json}}}'

    @property
    def frame(self) -> str:
        return f"{self.FRAME_HEAD}{self.seq}{self.frame_tail}"

    @property
    def meta(self) -> str:
        """What a process needs besides the frame: the kind, and a stroke's versions."""
        meta: dict = {"kind": self.kind}
        if self.kind == "whiteboard":
            meta["versions"] = [[e["id"], e["version"], e["versionNonce"]]
                                for e in self.payload["elements"]]
        return compact_json(meta)

    def delivery(self) -> dict:
        return {"session": self.session_id, "seq": self.seq, "kind": self.kind,
                "text": self.frame}

    def as_dict(self) -> dict:
        return {"seq": self.seq, "kind": self.kind, "payload": self.payload}


def void_event(session_id: int, seq: int) -> Event:
    return Event(session_id=session_id, kind=VOID, payload={}, seq=seq)


# --- sequence numbers -----------------------------------------------------------------


def stored_last_seq(session_id: int) -> int:
    return (RoomState.objects.filter(session_id=session_id)
            .values_list("last_seq", flat=True).first() or 0)


class LocalSequences:
    """Counters in this process: right when this process is the whole deployment (no
    REDIS_URL, so no other process could reach the room's clients anyway)."""

    def __init__(self):
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def _take(self, ref: SessionRef, count: int, floor: int | None) -> int | None:
        with self._lock:
            if ref.uid not in self._last:
                if floor is None:
                    return None
                self._last[ref.uid] = floor
            self._last[ref.uid] += count
            return self._last[ref.uid]

    def take_sync(self, ref: SessionRef, count: int = 1) -> int:
        seq = self._take(ref, count, None)
        return seq if seq is not None else self._take(ref, count, stored_last_seq(ref.id))

    async def take(self, ref: SessionRef, count: int = 1) -> int:
        seq = self._take(ref, count, None)
        if seq is None:
            floor = await writer().run_in_thread(stored_last_seq, ref.id)
            seq = self._take(ref, count, floor)
        return seq

    def forget(self) -> None:
        with self._lock:
            self._last.clear()


# Start from the database's last_seq the first time (or after a day without events);
# INCRBY 0 reads the current number.
_TAKE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if tonumber(ARGV[1]) < 0 then return -1 end
  redis.call('SET', KEYS[1], ARGV[1])
end
local seq = redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return seq
"""


# Number an event and publish it on the room's channel in one atomic step, so the channel
# carries events in number order. The message: number, meta, frame (head, number, tail).
_PUBLISH_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if tonumber(ARGV[1]) < 0 then return -1 end
  redis.call('SET', KEYS[1], ARGV[1])
end
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], seq .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5] .. seq .. ARGV[6])
return seq
"""


class RedisSequences:
    """One counter per session in Redis, shared by every process of the deployment, and
    the room's Redis channel that carries its events to every process serving it."""

    def __init__(self, url: str, prefix: str):
        self.url, self.prefix = url, prefix
        self._sync = None
        self._connections: dict[int, tuple[asyncio.AbstractEventLoop, RoomRedis]] = {}

    def key(self, ref: SessionRef) -> str:
        return f"{self.prefix}:room-seq:{ref.uid}"

    def channel(self, ref: SessionRef) -> str:
        return f"{self.prefix}:room-events:{ref.uid}"

    def connection(self) -> RoomRedis:
        """This event loop's connection; the rooms' messages go to its hub."""
        loop = asyncio.get_running_loop()
        entry = self._connections.get(id(loop))
        if entry is None or entry[0] is not loop:
            room_hub = hub()
            entry = (loop, RoomRedis(self.url, on_message=room_hub.received,
                                     on_subscribed=room_hub.confirmed))
            self._connections[id(loop)] = entry
        return entry[1]

    async def publish(self, ref: SessionRef, event: Event) -> int:
        """Number the event and publish it to every process serving the room."""
        redis = self.connection()
        args = [self.channel(ref), event.meta, Event.FRAME_HEAD, event.frame_tail]
        seq = await redis.eval(_PUBLISH_SCRIPT, [self.key(ref)], [-1, SEQ_KEY_SECONDS, *args])
        if seq < 0:
            floor = await writer().run_in_thread(stored_last_seq, ref.id)
            seq = await redis.eval(_PUBLISH_SCRIPT, [self.key(ref)],
                                   [floor, SEQ_KEY_SECONDS, *args])
        return int(seq)

    def publish_numbered_sync(self, ref: SessionRef, event: Event) -> None:
        """Publish an event numbered (and stored) already, from synchronous code."""
        self._sync_redis().publish(self.channel(ref),
                                   f"{event.seq}\n{event.meta}\n{event.frame}")

    def _sync_redis(self):
        if self._sync is None:
            import redis

            self._sync = redis.Redis.from_url(self.url)
            self._sync_take = self._sync.register_script(_TAKE_SCRIPT)
        return self._sync

    def take_sync(self, ref: SessionRef, count: int = 1) -> int:
        self._sync_redis()
        script = self._sync_take
        seq = script(keys=[self.key(ref)], args=[-1, count, SEQ_KEY_SECONDS])
        if seq < 0:
            seq = script(keys=[self.key(ref)],
                         args=[stored_last_seq(ref.id), count, SEQ_KEY_SECONDS])
        return int(seq)

    async def take(self, ref: SessionRef, count: int = 1) -> int:
        redis = self.connection()
        seq = await redis.eval(_TAKE_SCRIPT, [self.key(ref)], [-1, count, SEQ_KEY_SECONDS])
        if seq < 0:
            floor = await writer().run_in_thread(stored_last_seq, ref.id)
            seq = await redis.eval(_TAKE_SCRIPT, [self.key(ref)],
                                   [floor, count, SEQ_KEY_SECONDS])
        return int(seq)


_sequences: LocalSequences | RedisSequences | None = None


def sequences() -> LocalSequences | RedisSequences:
    global _sequences
    if _sequences is None:
        if settings.REDIS_URL:
            prefix = (settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
                      .get("prefix", "mockloop"))
            _sequences = RedisSequences(settings.REDIS_URL, prefix)
        else:
            _sequences = LocalSequences()
    return _sequences


async def current_seq(ref: SessionRef) -> int:
    """The last number handed out for the session, stored or not."""
    return await sequences().take(ref, 0)


# --- storing: the writer --------------------------------------------------------------

_INSERT_EVENTS = (
    "INSERT INTO interviews_roomevent (session_id, seq, kind, payload, actor_id, created_at) "
    "{rows} ON CONFLICT (session_id, seq) DO NOTHING")
_UPSERT_ELEMENTS = (
    "INSERT INTO interviews_whiteboardelement "
    "(session_id, element_id, version, version_nonce, data, updated_at) "
    "{rows} ON CONFLICT (session_id, element_id) DO UPDATE SET "
    "version = excluded.version, version_nonce = excluded.version_nonce, "
    "data = excluded.data, updated_at = excluded.updated_at "
    "WHERE excluded.version > interviews_whiteboardelement.version "
    "OR (excluded.version = interviews_whiteboardelement.version "
    "AND excluded.version_nonce < interviews_whiteboardelement.version_nonce)")
# On PostgreSQL the whole batch travels as six text parameters, one per column, each the
# column's values joined by a separator and split again by string_to_array: building
# them is a few string joins on the writer's thread, whose event loop waits for the GIL
# while this thread holds it (psycopg adapting rows cost 50 us a row; one JSON array of
# rows cost PostgreSQL 1.2 ms per 200 events just to parse, and Python as much again to
# build). Text columns are split on the record separator (chr 30), which JSON text and
# our kinds never hold raw. The statements run in this order, in one round trip: events
# and elements (per element the batch's winner, Excalidraw's rule again), then the room
# states, each locked in key order, so two processes' writers never wait for each other
# in a cycle.
_PG_STORE_BATCH = "; ".join((
    "WITH batch AS MATERIALIZED (SELECT session_id, seq, kind, payload::jsonb AS payload, "
    "actor_id, created_at FROM unnest("
    "string_to_array(%(session_ids)s, ',')::bigint[], "
    "string_to_array(%(seqs)s, ',')::integer[], "
    "string_to_array(%(kinds)s, chr(30)), "
    "string_to_array(%(payloads)s, chr(30)), "
    "string_to_array(%(actors)s, ',', '')::bigint[], "
    "string_to_array(%(created)s, ',')::timestamptz[]) "
    "AS batch(session_id, seq, kind, payload, actor_id, created_at)), events AS ("
    + _INSERT_EVENTS.format(rows="SELECT session_id, seq, kind, payload, actor_id, "
                                 "created_at FROM batch") + ") "
    + _UPSERT_ELEMENTS.format(
        rows="SELECT DISTINCT ON (session_id, element->>'id') session_id, element->>'id', "
             "(element->>'version')::integer, (element->>'versionNonce')::bigint, element, "
             "created_at FROM batch, jsonb_array_elements(payload->'elements') AS element "
             "WHERE kind = 'whiteboard' ORDER BY session_id, element->>'id', "
             "(element->>'version')::integer DESC, (element->>'versionNonce')::bigint"),
    "SELECT 1 FROM interviews_roomstate WHERE session_id IN (SELECT key::bigint FROM "
    "json_each_text(%(tips)s::json)) ORDER BY session_id FOR UPDATE",
    "UPDATE interviews_roomstate AS state SET last_seq = tip.value::integer FROM "
    "json_each_text(%(tips)s::json) AS tip WHERE state.session_id = tip.key::bigint "
    "AND state.last_seq < tip.value::integer",
))
RECORD_SEPARATOR = "\x1e"
ROWS_PER_STATEMENT = 200  # elsewhere (SQLite): many rows per VALUES list
_RAISE_LAST_SEQ = ("UPDATE interviews_roomstate SET last_seq = %s "
                   "WHERE session_id = %s AND last_seq < %s")


def wins(incoming: tuple[int, int], known: tuple[int, int]) -> bool:
    """Excalidraw's rule, the same on every client and here: the higher version wins, a
    tie goes to the lower versionNonce."""
    if incoming[0] != known[0]:
        return incoming[0] > known[0]
    return incoming[1] < known[1]


def _latest_elements(events: Iterable[Event]) -> dict[tuple[int, str], dict]:
    latest: dict[tuple[int, str], dict] = {}
    for event in events:
        if event.kind != "whiteboard":
            continue
        for element in event.payload["elements"]:
            key = (event.session_id, element["id"])
            known = latest.get(key)
            if known is None or wins((element["version"], element["versionNonce"]),
                                     (known["version"], known["versionNonce"])):
                latest[key] = element
    return latest


def store_events(events: list[Event]) -> None:
    """Store a batch in one transaction; safe to repeat (a retry after a lost commit
    acknowledgement changes nothing). Rows are written in key order so two processes'
    writers take their locks in the same order."""
    events = sorted(events, key=lambda e: (e.session_id, e.seq))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _store_on_postgresql(cursor, events)
        else:
            _store_elsewhere(cursor, events)


def _store_on_postgresql(cursor, events: list[Event]) -> None:
    parameters = {
        "session_ids": ",".join([str(e.session_id) for e in events]),
        "seqs": ",".join([str(e.seq) for e in events]),
        "kinds": RECORD_SEPARATOR.join([e.kind for e in events]),
        "payloads": RECORD_SEPARATOR.join([e.payload_json for e in events]),
        "actors": ",".join(["" if e.actor_id is None else str(e.actor_id) for e in events]),
        "created": ",".join([e.created_at.isoformat() for e in events]),
        "tips": json.dumps(_last_seqs(events))}
    if _multi_statement(cursor):
        cursor.execute(_PG_STORE_BATCH, parameters)
    else:
        for statement in _PG_STORE_BATCH.split("; "):
            cursor.execute(statement, parameters)


def _last_seqs(events: list[Event]) -> dict[int, int]:
    tips: dict[int, int] = {}
    for event in events:
        tips[event.session_id] = max(tips.get(event.session_id, 0), event.seq)
    return tips


def _multi_statement(cursor) -> bool:
    """psycopg's client-side binding (Django's default) sends several statements at once;
    server-side binding (OPTIONS server_side_binding) takes one per call."""
    return isinstance(cursor.cursor, psycopg.ClientCursor)


def _store_elsewhere(cursor, events: list[Event]) -> None:
    """The same with plain statements (SQLite, for development without PostgreSQL)."""
    when = connection.ops.adapt_datetimefield_value
    event_rows = [(e.session_id, e.seq, e.kind, e.payload_json, e.actor_id, when(e.created_at))
                  for e in events]
    now = when(timezone.now())
    element_rows = [(session_id, element_id, e["version"], e["versionNonce"],
                     compact_json(e), now)
                    for (session_id, element_id), e in sorted(_latest_elements(events).items())]
    tips = _last_seqs(events)
    _insert_rows(cursor, _INSERT_EVENTS, "(%s, %s, %s, %s, %s, %s)", event_rows)
    _insert_rows(cursor, _UPSERT_ELEMENTS, "(%s, %s, %s, %s, %s, %s)", element_rows)
    cursor.executemany(_RAISE_LAST_SEQ, [(seq, session_id, seq)
                                         for session_id, seq in sorted(tips.items())])


def _insert_rows(cursor, statement: str, row: str, rows: list[tuple]) -> None:
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start:start + ROWS_PER_STATEMENT]
        cursor.execute(statement.format(rows="VALUES " + ", ".join([row] * len(chunk))),
                       [value for values in chunk for value in values])


def _without_deleted_sessions(events: list[Event]) -> list[Event]:
    alive = set(MockSession.objects.filter(pk__in={e.session_id for e in events})
                .values_list("pk", flat=True))
    return [e for e in events if e.session_id in alive]


class RoomWriter:
    """This event loop's writer: events wait here until a batch stores them. A failed
    batch is kept and retried with backoff; the room goes on relaying meanwhile and
    resumes are served from memory."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float = WRITER_INTERVAL):
        self.loop, self.interval = loop, interval
        self.waiting: list[Event] = []
        self.storing: list[Event] = []
        self.added = self.stored = 0
        self.failures = 0
        self._wake = asyncio.Event()
        self._hurry = asyncio.Event()
        self._flushed: list[tuple[int, asyncio.Future]] = []
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="room-writer")
        self._task = loop.create_task(self._run(), name="room-writer")

    def add(self, event: Event) -> None:
        self.waiting.append(event)
        self.added += 1
        self._wake.set()

    def unstored(self, session_id: int, after: int = 0) -> list[Event]:
        return [e for e in (*self.storing, *self.waiting)
                if e.session_id == session_id and e.seq > after]

    async def run_in_thread(self, function, *args):
        """Database work off the event loop, on the writer's own thread (never on
        Channels' shared one, which a view waiting for this loop may be holding)."""
        def call():
            close_old_connections()
            return function(*args)
        return await self.loop.run_in_executor(self._thread, call)

    async def flush(self, timeout: float = 5.0) -> bool:
        """Store what has been added so far now; False if that did not happen in time."""
        target = self.added
        if self.stored >= target:
            return True
        future = self.loop.create_future()
        self._flushed.append((target, future))
        self._hurry.set()
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
            return True
        except TimeoutError:
            return False

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            with contextlib.suppress(TimeoutError):  # the group-commit window
                await asyncio.wait_for(self._hurry.wait(), self.interval)
            self._wake.clear()
            self._hurry.clear()
            await self._store_waiting()

    async def _store_waiting(self) -> None:
        if not self.waiting:
            return
        batch = self.storing = self.waiting
        self.waiting = []
        try:
            await self.loop.run_in_executor(self._thread, self._store, batch)
        except Exception:
            self.failures += 1
            delay = min(5.0, 0.1 * 2 ** min(self.failures, 6))
            log.exception("room writer: storing %d events failed (%d in a row); retrying "
                          "in %.1f s", len(batch), self.failures, delay)
            self.waiting = batch + self.waiting
            self.storing = []
            self.loop.call_later(delay, self._wake.set)
            return
        self.storing = []
        self.failures = 0
        self.stored += len(batch)
        still_waiting = []
        for target, future in self._flushed:
            if self.stored >= target:
                if not future.done():
                    future.set_result(True)
            else:
                still_waiting.append((target, future))
        self._flushed = still_waiting
        if self.waiting:
            self._wake.set()

    @staticmethod
    def _store(batch: list[Event]) -> None:
        close_old_connections()  # this thread's own connection, between batches
        store_what_the_database_takes(batch)


def store_what_the_database_takes(events: list[Event]) -> None:
    """Store a batch, so that no single event can hold up the others forever: events of
    a session deleted while its room was open are dropped, and an event whose content
    the database refuses is stored as a void one (found by halving the batch). Errors
    that are not about the events (the database unreachable, or refusing even a void
    event) still fail the batch, which the writer then retries."""
    try:
        store_events(events)
    except IntegrityError:
        kept = _without_deleted_sessions(events)
        if len(kept) == len(events):
            raise
        log.warning("room writer: dropped %d events of deleted sessions",
                    len(events) - len(kept))
        if kept:
            store_what_the_database_takes(kept)
    except DataError as error:
        if len(events) > 1:
            middle = len(events) // 2
            store_what_the_database_takes(events[:middle])
            store_what_the_database_takes(events[middle:])
            return
        refused = events[0]
        try:
            store_events([void_event(refused.session_id, refused.seq)])
        except DataError:
            # Not this event's content, then: the database refuses any event (a schema or
            # a setting at fault). Fail the batch, which the writer keeps and retries.
            log.error("room %s: the database refuses even a void event in place of event "
                      "%d (%s); the batch waits until that is fixed", refused.session_id,
                      refused.seq, str(error).strip())
            raise
        log.error("room %s: the database refused event %d (%s); stored as void. It "
                  "began: %.300s", refused.session_id, refused.seq, str(error).strip(),
                  refused.payload_json)


_writers: dict[int, RoomWriter] = {}
_serving_loop: asyncio.AbstractEventLoop | None = None


def writer() -> RoomWriter:
    """The writer of the running event loop, started on first use."""
    loop = asyncio.get_running_loop()
    existing = _writers.get(id(loop))
    if existing is None or existing.loop is not loop:
        existing = _writers[id(loop)] = RoomWriter(loop)
    return existing


def serve_from_this_loop() -> None:
    """Called by the room's consumer: events published by sync code of this process
    (views, the embedded Celery worker) go through this loop's writer."""
    global _serving_loop
    _serving_loop = asyncio.get_running_loop()
    writer()


async def drain(timeout: float = 10.0) -> bool:
    """Store everything waiting in this loop's writer (at shutdown, and in tests)."""
    loop = asyncio.get_running_loop()
    existing = _writers.get(id(loop))
    return True if existing is None else await existing.flush(timeout)


async def close_connections() -> None:
    """Close the database connection of this loop's writer thread (before a test run
    drops its database)."""
    existing = _writers.get(id(asyncio.get_running_loop()))
    if existing is not None:
        await existing.loop.run_in_executor(existing._thread, connections.close_all)


def close_writer_connections() -> None:
    """Close the database connections of every loop's writer thread, from any thread
    (at the end of a test run, before its database is dropped)."""
    for existing in list(_writers.values()):
        existing._thread.submit(connections.close_all).result(timeout=10)


def unstored_events(session_id: int, after: int = 0) -> list[Event]:
    """Events this process relayed and has not stored yet (call on the writer's loop)."""
    existing = _writers.get(id(asyncio.get_running_loop()))
    return existing.unstored(session_id, after) if existing else []


# --- publishing -----------------------------------------------------------------------


class RoomHub:
    """This event loop's room sockets, by session. Events reach them from the room's
    Redis channel (one subscription per room and process, whoever published), or,
    without Redis, straight from `publish`."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.rooms: dict[int, dict[str, object]] = {}
        self.redis = sequences() if isinstance(sequences(), RedisSequences) else None
        self.channels: dict[bytes, int] = {}  # Redis channel -> session id
        self.subscribed: dict[bytes, asyncio.Event] = {}

    async def join(self, ref: SessionRef, socket) -> None:
        room = self.rooms.setdefault(ref.id, {})
        first = not room
        room[socket.channel_name] = socket
        if first and self.redis is not None:
            await self._subscribe(ref)

    async def leave(self, ref: SessionRef, socket) -> None:
        room = self.rooms.get(ref.id, {})
        room.pop(socket.channel_name, None)
        if not room:
            self.rooms.pop(ref.id, None)
            if self.redis is not None:
                channel = self.redis.channel(ref)
                self.channels.pop(channel.encode(), None)
                self.subscribed.pop(channel.encode(), None)
                self.redis.connection().unsubscribe(channel)

    def deliver(self, message: dict) -> None:
        for socket in list(self.rooms.get(message["session"], {}).values()):
            socket.push_event(message)

    async def publish(self, ref: SessionRef, event: Event) -> int:
        if self.redis is not None:
            return await self.redis.publish(ref, event)  # comes back through `received`
        event.seq = await sequences().take(ref)
        self.deliver(event.delivery())
        return event.seq

    async def _subscribe(self, ref: SessionRef) -> None:
        channel = self.redis.channel(ref)
        self.channels[channel.encode()] = ref.id
        confirmed = self.subscribed[channel.encode()] = asyncio.Event()
        await self.redis.connection().subscribe(channel)
        # The socket's catch-up must not start before Redis sends this room's events here.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(confirmed.wait(), 5)

    def confirmed(self, channel: bytes) -> None:
        if channel in self.subscribed:
            self.subscribed[channel].set()

    def received(self, channel: bytes, data: bytes) -> None:
        """A message on a room's channel: number, meta and frame, one per line."""
        session_id = self.channels.get(channel)
        if session_id is None:
            return
        seq, meta, frame = data.decode().split("\n", 2)
        meta = json.loads(meta)
        if meta.get("versions"):
            boards.learn(session_id, meta["versions"])
        self.deliver({"session": session_id, "seq": int(seq), "kind": meta["kind"],
                      "text": frame})


_hubs: dict[int, RoomHub] = {}


def hub() -> RoomHub:
    """The hub of the running event loop."""
    loop = asyncio.get_running_loop()
    existing = _hubs.get(id(loop))
    if existing is None or existing.loop is not loop:
        existing = _hubs[id(loop)] = RoomHub(loop)
    return existing


async def publish(ref: SessionRef, kind: str, payload: dict,
                  actor_id: int | None = None, payload_json: str = "") -> Event:
    """Number the event, send it to the room at once, and queue it for storing."""
    event = Event(session_id=ref.id, kind=kind, payload=payload, actor_id=actor_id,
                  payload_json=payload_json)
    event.seq = await hub().publish(ref, event)
    writer().add(event)
    return event


def publish_from_sync(session_id: int, kind: str, payload: dict,
                      actor_id: int | None = None) -> int:
    """Publish from synchronous code, outside any transaction. In a process that serves
    rooms, the event takes the same path as a stroke; elsewhere (a Celery worker) it is
    stored first, then broadcast. Returns the event's number."""
    ref = session_ref_for(session_id)
    loop = _serving_loop
    if loop is not None and loop.is_running() and not _on_loop(loop):
        future = asyncio.run_coroutine_threadsafe(publish(ref, kind, payload, actor_id), loop)
        return future.result(timeout=30).seq
    return _publish_stored_first(ref, kind, payload, actor_id)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _publish_stored_first(ref: SessionRef, kind: str, payload: dict,
                          actor_id: int | None) -> int:
    """No socket of this process is in the room (a Celery worker): store the event, then
    publish it to the processes serving the room."""
    allocator = sequences()
    event = Event(session_id=ref.id, kind=kind, payload=payload, actor_id=actor_id)
    event.seq = allocator.take_sync(ref)
    try:
        for attempt in range(3):
            try:
                store_events([event])
                break
            except IntegrityError:
                raise
            except Exception:
                if attempt == 2:
                    raise
                time.sleep(0.2 * 2 ** attempt)
    except Exception:
        # Live clients must not wait for a number that will never come.
        if isinstance(allocator, RedisSequences):
            allocator.publish_numbered_sync(ref, void_event(ref.id, event.seq))
        raise
    if isinstance(allocator, RedisSequences):
        allocator.publish_numbered_sync(ref, event)
    return event.seq


# --- the board as this process knows it -----------------------------------------------


class BoardVersions:
    """Each open board's element versions, so a stale copy is dropped before it is
    relayed. Loaded from the database when the first client of a session connects to
    this process, kept current from the events relayed; kept while clients are here."""

    def __init__(self):
        self.boards: dict[int, dict[str, tuple[int, int]]] = {}
        self.clients: Counter = Counter()

    def joined(self, session_id: int) -> None:
        self.clients[session_id] += 1

    def left(self, session_id: int) -> None:
        self.clients[session_id] -= 1
        if self.clients[session_id] <= 0:
            del self.clients[session_id]
            self.boards.pop(session_id, None)

    def loaded(self, session_id: int) -> bool:
        return session_id in self.boards

    def load(self, session_id: int, rows: Iterable[tuple[str, int, int]]) -> None:
        board = self.boards.setdefault(session_id, {})
        self.learn_into(board, rows)

    def learn(self, session_id: int, versions: Iterable) -> None:
        board = self.boards.get(session_id)
        if board is not None:
            self.learn_into(board, versions)

    @staticmethod
    def learn_into(board: dict, versions: Iterable) -> None:
        for element_id, version, nonce in versions:
            known = board.get(element_id)
            if known is None or wins((version, nonce), known):
                board[element_id] = (version, nonce)

    def accept(self, session_id: int, elements: list[dict]) -> list[dict]:
        """The elements that beat what this board holds, now recorded as its state."""
        board = self.boards.setdefault(session_id, {})
        accepted: dict[str, dict] = {}
        for element in elements:
            mark = (element["version"], element["versionNonce"])
            known = board.get(element["id"])
            if known is not None and not wins(mark, known):
                continue
            board[element["id"]] = mark
            accepted[element["id"]] = element
        return list(accepted.values())


boards = BoardVersions()


def board_rows(session_id: int) -> list[tuple[str, int, int]]:
    return list(WhiteboardElement.objects.filter(session_id=session_id)
                .values_list("element_id", "version", "version_nonce"))


async def whiteboard_publish(ref: SessionRef, elements: list[dict], actor_id: int | None,
                             elements_json: str | None = None) -> Event | None:
    """Relay a participant's changed elements that win over the board; None if none did.
    `elements_json`, the elements as the client encoded them, is relayed as it came when
    the board takes every one of them."""
    if not boards.loaded(ref.id):
        rows = await writer().run_in_thread(board_rows, ref.id)
        boards.load(ref.id, rows)
        for event in unstored_events(ref.id):
            if event.kind == "whiteboard":
                boards.learn(ref.id, ((e["id"], e["version"], e["versionNonce"])
                                      for e in event.payload["elements"]))
    accepted = boards.accept(ref.id, elements)
    if not accepted:
        return None
    took_all = elements_json is not None and len(accepted) == len(elements)
    return await publish(ref, "whiteboard", {"elements": accepted}, actor_id,
                         payload_json=f'{{"elements":{elements_json}}}' if took_all else "")


# --- catching up ----------------------------------------------------------------------


@dataclass
class CatchUp:
    """What a (re)connecting client gets: the number it is now at, the events after the
    one it had (None when it must reload), and the unstored events of this process."""

    head: int
    events: list[dict] | None
    unstored: list[Event]


def stored_events(session_id: int, after: int, upto: int) -> list[dict]:
    return [{"seq": seq, "kind": kind, "payload": payload}
            for seq, kind, payload in RoomEvent.objects
            .filter(session_id=session_id, seq__gt=after, seq__lte=upto)
            .order_by("seq").values_list("seq", "kind", "payload")]


def stored_seqs(session_id: int, after: int, upto: int) -> set[int]:
    return set(RoomEvent.objects.filter(session_id=session_id, seq__gt=after, seq__lte=upto)
               .values_list("seq", flat=True))


def fill_voids(session_id: int, seqs: list[int]) -> None:
    store_events([void_event(session_id, seq) for seq in seqs])


async def catch_up(ref: SessionRef, last_seq: int, *, limit: int,
                   with_events: bool = True) -> CatchUp:
    """Everything after `last_seq` up to the current number, in order and complete.

    This process's writer is flushed at once; events other processes relayed but have
    not stored yet are waited for (their writers store within tens of milliseconds). A
    number still missing after CATCH_UP_WAIT belongs to an event lost with a crashed
    process: it is stored as a void event so that no client waits for it forever."""
    head = await current_seq(ref)
    if with_events and (last_seq > head or head - last_seq > limit):
        return CatchUp(head=head, events=None, unstored=[])
    own = writer()
    await own.flush(timeout=1.0)
    after = last_seq if with_events else max(0, head - limit)
    deadline = time.monotonic() + CATCH_UP_WAIT
    while True:
        unstored = own.unstored(ref.id, after)
        in_memory = {e.seq for e in unstored if e.seq <= head}
        stored = await own.run_in_thread(stored_seqs, ref.id, after, head)
        missing = [s for s in range(after + 1, head + 1) if s not in stored and
                   s not in in_memory]
        if not missing:
            break
        if time.monotonic() > deadline:
            log.warning("room %s: events %s never arrived; storing them as void", ref.id,
                        missing[:10])
            try:
                await own.run_in_thread(fill_voids, ref.id, missing)
            except Exception:
                log.exception("room %s: could not store void events", ref.id)
            break
        await asyncio.sleep(0.02)
    events = None
    if with_events:
        rows = await own.run_in_thread(stored_events, ref.id, last_seq, head)
        merged = {row["seq"]: row for row in rows}
        for event in unstored:
            if event.seq <= head:
                merged.setdefault(event.seq, event.as_dict())
        events = [merged[s] for s in sorted(merged)]
    return CatchUp(head=head, events=events, unstored=unstored)


# --- ASGI lifespan: store what is waiting before the process exits ---------------------


async def lifespan(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if not await drain(timeout=10.0):
                log.error("room writer: events were still unstored at shutdown")
            await send({"type": "lifespan.shutdown.complete"})
            return
