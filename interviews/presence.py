"""Who is in a room: per person, not per socket, and true even after a server crash.

Every open socket of the room holds an entry (its connection id, its user, when it
joined) and renews it on a heartbeat. An entry not renewed within
ROOM_PRESENCE_TTL_SECONDS belongs to a socket whose process died; the next heartbeat of
any socket in the room drops it. A person is present while any of their entries is, and
their newest entry is the one that carries their voice and recording: a second tab takes
them over, and they come back to the first when the second closes.

Entries live in Redis when REDIS_URL is set, so every ASGI process sees the same room,
and in this process otherwise (the embedded deployment is one process).
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Entry:
    user: int
    joined: float
    expires: float


def ttl_seconds() -> float:
    return settings.ROOM_PRESENCE_TTL_SECONDS


def heartbeat_seconds() -> float:
    """Often enough that a crashed process's people are gone within TTL + one beat."""
    return ttl_seconds() / 2


def active_connections(entries: dict[str, Entry], now: float) -> dict[int, str]:
    """Each present person's newest live connection (the one with their voice)."""
    newest: dict[int, tuple[float, str]] = {}
    for connection, entry in entries.items():
        if entry.expires <= now:
            continue
        held = newest.get(entry.user)
        if held is None or (entry.joined, connection) > held:
            newest[entry.user] = (entry.joined, connection)
    return {user: connection for user, (_, connection) in sorted(newest.items())}


class MemoryEntries:
    """The embedded deployment's rooms: one process holds every socket."""

    def __init__(self):
        self.rooms: dict[int, dict[str, Entry]] = {}

    async def put(self, session_id: int, connection: str, entry: Entry) -> None:
        self.rooms.setdefault(session_id, {})[connection] = entry

    async def remove(self, session_id: int, connections: list[str]) -> None:
        room = self.rooms.get(session_id, {})
        for connection in connections:
            room.pop(connection, None)
        if not room:
            self.rooms.pop(session_id, None)

    async def read(self, session_id: int) -> dict[str, Entry]:
        return dict(self.rooms.get(session_id, {}))


class RedisEntries:
    """One hash per room, shared by every process; the hash itself expires when the
    room has been empty (or every process dead) for a while."""

    def __init__(self, url: str, prefix: str):
        self.url, self.prefix = url, prefix
        self.clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def client(self):
        import redis.asyncio

        # A client belongs to the event loop that made it (tests run several loops).
        loop = asyncio.get_running_loop()
        client = self.clients.get(loop)
        if client is None:
            client = self.clients[loop] = redis.asyncio.Redis.from_url(self.url)
        return client

    def key(self, session_id: int) -> str:
        return f"{self.prefix}:presence:{session_id}"

    async def put(self, session_id: int, connection: str, entry: Entry) -> None:
        key = self.key(session_id)
        value = json.dumps([entry.user, entry.joined, entry.expires])
        async with self.client().pipeline(transaction=True) as pipe:
            pipe.hset(key, connection, value)
            pipe.expire(key, int(ttl_seconds() * 4) + 1)
            await pipe.execute()

    async def remove(self, session_id: int, connections: list[str]) -> None:
        if connections:
            await self.client().hdel(self.key(session_id), *connections)

    async def read(self, session_id: int) -> dict[str, Entry]:
        raw = await self.client().hgetall(self.key(session_id))
        entries = {}
        for connection, value in raw.items():
            user, joined, expires = json.loads(value)
            entries[connection.decode()] = Entry(int(user), float(joined), float(expires))
        return entries


_store: MemoryEntries | RedisEntries | None = None


def store() -> MemoryEntries | RedisEntries:
    global _store
    if _store is None:
        if settings.REDIS_URL:
            _store = RedisEntries(settings.REDIS_URL, settings.CHANNEL_LAYER_PREFIX)
        else:
            _store = MemoryEntries()
    return _store


async def renew(session_id: int, connection: str, user: int, *,
                joined: float) -> dict[int, str]:
    """Mark `connection` alive for another TTL; drop entries whose process stopped
    renewing them. Returns who is present now, with each one's active connection."""
    now = time.time()
    await store().put(session_id, connection, Entry(user, joined, now + ttl_seconds()))
    return await present(session_id, now=now)


async def leave(session_id: int, connection: str) -> dict[int, str]:
    await store().remove(session_id, [connection])
    return await present(session_id)


async def present(session_id: int, *, now: float | None = None) -> dict[int, str]:
    now = time.time() if now is None else now
    entries = await store().read(session_id)
    expired = [connection for connection, entry in entries.items() if entry.expires <= now]
    if expired:
        await store().remove(session_id, expired)
    return active_connections(entries, now)
