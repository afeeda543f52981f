"""Two ASGI processes and a worker process numbering one room's events on Redis: every
client sees the same gap-free order, and a resume on one process gets the events the
other process relayed but has not stored yet."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from interviews import services
from interviews.models import MockSession, RoomEvent, RoomState, WhiteboardElement
from tests.conftest import ROOT, _test_database_env, _wait_for, free_port
from tests.interviews.conftest import post_request, window
from tests.interviews.test_room_two_processes import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

# A worker process (as Celery runs transcription) adding events to the room.
WORKER_SCRIPT = """
import sys, time, django
django.setup()
from interviews.room import publish_event
session_id, count = int(sys.argv[1]), int(sys.argv[2])
for n in range(count):
    publish_event(session_id, "transcript", {"n": n, "text": f"line {n}"})
    time.sleep(0.01)
"""


@pytest.fixture
def start_servers(transactional_db):
    assert settings.REDIS_URL, "this test needs REDIS_URL (make test sets it)"
    processes = []

    def start(*writer_intervals: float, redis: bool = True) -> list[str]:
        urls = []
        for interval in writer_intervals:
            port = free_port()
            env = {**_test_database_env(), "ROOM_WRITER_INTERVAL": str(interval)}
            if not redis:
                env.pop("REDIS_URL")
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host",
                 "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--log-level",
                 "warning"], cwd=ROOT, env=env)
            processes.append(process)
            urls.append(f"127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_for(f"http://{url}/healthz", process)
        return urls

    yield start
    for process in processes:
        process.terminate()  # uvicorn's shutdown stores what its writer still holds
        process.wait(timeout=20)


@pytest.fixture
def room_session(transactional_db, candidate, peer, slot):
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()
    return MockSession.objects.get()


class Socket:
    """A room client that keeps every event it receives, by number."""

    def __init__(self, url: str, session_id: int, cookie: str):
        self.url, self.session_id, self.cookie = url, session_id, cookie
        self.events: dict[int, dict] = {}
        self.arrival: list[int] = []

    async def open(self, last_seq: int = 0) -> Socket:
        self.ws = await websockets.connect(
            f"ws://{self.url}/ws/room/{self.session_id}/", origin=f"http://{self.url}",
            additional_headers={"Cookie": self.cookie})
        await self.ws.send(json.dumps({"type": "hello", "last_seq": last_seq}))
        if last_seq == 0:
            self.snapshot = await self.until(lambda m: m["type"] == "snapshot")
        return self

    async def until(self, done, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(await asyncio.wait_for(
                self.ws.recv(), max(0.01, deadline - time.monotonic())))
            if message["type"] == "event":
                assert message["seq"] not in self.events or \
                    self.events[message["seq"]] == message, "one number, two events"
                self.events[message["seq"]] = message
                self.arrival.append(message["seq"])
            if done(message):
                return message

    async def collect(self, seqs: range) -> None:
        if not set(seqs) <= set(self.events):
            await self.until(lambda m: set(seqs) <= set(self.events))

    async def draw(self, element_id: str, versions: range) -> None:
        for version in versions:
            await self.ws.send(json.dumps({"type": "whiteboard", "elements": [{
                "id": element_id, "type": "rectangle", "version": version,
                "versionNonce": 7, "x": version, "y": 0, "width": 5, "height": 5,
                "isDeleted": False}]}))


def stored_after(session, seq: int) -> int:
    count = RoomEvent.objects.filter(session=session, seq__gt=seq).count()
    connection.close()  # this thread's own connection; the test database is dropped later
    return count


def in_thread(coroutine):
    # A thread of its own: Playwright may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=120)


def test_two_processes_and_a_worker_agree_on_one_order(start_servers, room_session,
                                                       candidate, peer):
    first, second = start_servers(0.05, 0.05)
    session = room_session
    cookies = session_cookie(candidate), session_cookie(peer)
    strokes, lines = 40, 20
    total = 2 * strokes + lines

    async def scenario():
        left = await Socket(first, session.pk, cookies[0]).open()
        right = await Socket(second, session.pk, cookies[1]).open()
        start = left.snapshot["seq"]
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER_SCRIPT, str(session.pk), str(lines), cwd=ROOT,
            env=_test_database_env())
        await asyncio.gather(left.draw("L", range(1, strokes + 1)),
                             right.draw("R", range(1, strokes + 1)))
        assert await worker.wait() == 0
        everything = range(start + 1, start + total + 1)
        await asyncio.gather(left.collect(everything), right.collect(everything))
        # A client joining late on the other process resumes from the middle.
        middle = start + total // 2
        late = await Socket(second, session.pk, cookies[0]).open(last_seq=middle)
        await late.collect(range(middle + 1, start + total + 1))
        for socket in (left, right, late):
            await socket.ws.close()
        return start, left, right, late

    start, left, right, late = in_thread(scenario())
    seqs = list(range(start + 1, start + 2 * strokes + lines + 1))
    assert sorted(left.events) == sorted(right.events) == seqs  # gap-free, nothing more
    assert left.events == right.events  # the same event under every number
    assert all(late.events[s] == left.events[s] for s in late.events)
    assert sorted(late.events) == seqs[len(seqs) // 2:]

    def numbered(kind: str, key) -> list:
        return [key(left.events[s]["payload"]) for s in seqs if left.events[s]["kind"] == kind]

    # Each writer's events keep the order they were made in.
    assert numbered("transcript", lambda p: p["n"]) == list(range(lines))
    for element_id in ("L", "R"):
        versions = [e["version"] for p in numbered("whiteboard", lambda p: p["elements"])
                    for e in p if e["id"] == element_id]
        assert versions == list(range(1, strokes + 1))

    deadline = time.monotonic() + 10
    while RoomEvent.objects.filter(session=session).count() < start + len(seqs):
        assert time.monotonic() < deadline, "the writers did not store every event"
        time.sleep(0.1)
    assert list(RoomEvent.objects.filter(session=session).order_by("seq")
                .values_list("seq", flat=True)) == list(range(1, start + len(seqs) + 1))
    assert RoomState.objects.get(session=session).last_seq == start + len(seqs)
    assert dict(WhiteboardElement.objects.filter(session=session)
                .values_list("element_id", "version")) == {"L": strokes, "R": strokes}


def test_a_resume_waits_for_the_other_process_to_store(start_servers, room_session,
                                                       candidate, peer):
    slow, other = start_servers(3.0, 0.05)  # the first process stores every 3 s
    session = room_session
    cookies = session_cookie(candidate), session_cookie(peer)

    async def scenario():
        drawer = await Socket(slow, session.pk, cookies[0]).open()
        watcher = await Socket(other, session.pk, cookies[1]).open()
        await drawer.draw("box", range(1, 5))
        start = watcher.snapshot["seq"]
        await watcher.collect(range(start + 1, start + 5))
        unstored = stored_after(session, start)
        back = await Socket(other, session.pk, cookies[1]).open(last_seq=start + 1)
        await back.collect(range(start + 2, start + 5))
        for socket in (drawer, watcher, back):
            await socket.ws.close()
        return start, unstored, back

    start, unstored, back = in_thread(scenario())
    assert unstored == 0  # the resume came before the slow process stored anything
    assert [back.events[s]["payload"]["elements"][0]["version"]
            for s in sorted(back.events)] == [2, 3, 4]


def test_one_process_without_redis_numbers_and_resumes(start_servers, room_session,
                                                       candidate, peer):
    (url,) = start_servers(0.05, redis=False)  # the in-process layer and counters
    session = room_session
    cookies = session_cookie(candidate), session_cookie(peer)
    strokes = 30

    async def scenario():
        left = await Socket(url, session.pk, cookies[0]).open()
        right = await Socket(url, session.pk, cookies[1]).open()
        start = left.snapshot["seq"]
        await asyncio.gather(left.draw("L", range(1, strokes + 1)),
                             right.draw("R", range(1, strokes + 1)))
        everything = range(start + 1, start + 2 * strokes + 1)
        await asyncio.gather(left.collect(everything), right.collect(everything))
        back = await Socket(url, session.pk, cookies[1]).open(last_seq=start + strokes)
        await back.collect(range(start + strokes + 1, start + 2 * strokes + 1))
        for socket in (left, right, back):
            await socket.ws.close()
        return start, left, right, back

    start, left, right, back = in_thread(scenario())
    seqs = list(range(start + 1, start + 2 * strokes + 1))
    assert left.arrival == right.arrival == seqs  # one process: in order as sent
    assert left.events == right.events
    assert all(back.events[s] == left.events[s] for s in back.events)
    assert sorted(back.events) == seqs[strokes:]
