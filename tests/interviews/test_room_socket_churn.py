"""Sockets that end every way they can (a close frame, a dropped connection, after frames
of the wrong shape) leave the room and the server as they found them: the peer sees
nobody who is gone, and the server's memory comes back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from websockets.asyncio.client import connect

from tests.conftest import ROOT, _test_database_env, _wait_for, free_port
from tests.interviews.conftest import post_request, window

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = 1000
AT_ONCE = 25
# What matters here is what the sockets leave behind, not how fast they open: on a busy
# machine 25 handshakes at once can take longer than the client's default 10 s.
PATIENCE = 60
BAD_FRAMES = [{"type": ["ping"]}, {"type": {}}, {"type": 7}, {"type": "ping", "ref": [1]},
              {"type": "hello", "last_seq": "0"}, {"type": "clock", "action": {"a": 1}},
              {"type": "reveal_hint", "index": [0]}, {"type": "notes", "text": None},
              {"type": "signal", "data": {"description": {"type": ["offer"]}}},
              {"type": "whiteboard", "elements": [{"id": [], "type": "rectangle"}]}]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def room_server(transactional_db):
    port = free_port()
    server = subprocess.Popen(
        # Served as `make run` serves it.
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--loop", "uvloop", "--http",
         "httptools", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false"],
        # In production mode: with DEBUG on, Django keeps each connection's last 9,000
        # queries, which is memory a deployment never spends.
        cwd=ROOT, env={**_test_database_env(), "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY,
                       "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
                       "ALLOWED_HOSTS": "127.0.0.1"})
    _wait_for(f"http://127.0.0.1:{port}/healthz", server)
    yield server, port
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()  # still closing sockets left open by a failed run
        server.wait(timeout=10)


def _cookie(user) -> str:
    from django.test import Client

    client = Client()  # one each: logging another user in on a client ends its session
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def _open(port: int, session_id: int, cookie: str):
    socket = await connect(f"ws://127.0.0.1:{port}/ws/room/{session_id}/",
                           additional_headers={"Cookie": cookie,
                                               "Origin": f"http://127.0.0.1:{port}"},
                           open_timeout=PATIENCE)
    assert json.loads(await socket.recv())["type"] == "welcome"
    return socket


async def _next(socket, wanted: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))
        if message["type"] == wanted:
            return message


async def _live_and_die(port, session_id, cookie, n: int) -> None:
    """One socket's life: hello, some frames of the wrong shape (each answered with an
    error while the socket stays usable), then an end of one of three kinds."""
    socket = await _open(port, session_id, cookie)
    await socket.send(json.dumps({"type": "hello", "last_seq": 0}))
    await _next(socket, "snapshot")
    if n % 3 != 2:
        bad = BAD_FRAMES[n % len(BAD_FRAMES)]
        await socket.send(json.dumps(bad))
        try:
            error = await _next(socket, "error")
        except TimeoutError:
            raise AssertionError(f"no error reply to {bad}") from None
        assert error["code"] == "invalid", (bad, error)
        await socket.send(json.dumps({"type": "ping", "ref": n}))
        assert (await _next(socket, "pong"))["ref"] == n
    if n % 3 == 0:
        await socket.close()
    else:
        socket.transport.abort()  # gone without a close frame


async def _churn(port, session_id, cookie, count: int) -> None:
    for start in range(0, count, AT_ONCE):
        await asyncio.gather(*(_live_and_die(port, session_id, cookie, n)
                               for n in range(start, min(count, start + AT_ONCE))))


def test_a_thousand_sockets_come_and_go_without_a_trace(room_server, candidate, peer, slot):
    from django.core.management import call_command

    from interviews import services
    from interviews.models import MockSession

    server, port = room_server
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()  # posting already queued it; this makes sure
    session = MockSession.objects.get()
    churner, watcher = _cookie(candidate), _cookie(peer)

    async def run():
        seen: list[dict] = []
        peer_socket = await _open(port, session.pk, watcher)
        await peer_socket.send(json.dumps({"type": "hello", "last_seq": 0}))
        await _next(peer_socket, "snapshot")

        async def listen():
            async for text in peer_socket:
                message = json.loads(text)
                if message["type"] == "presence":
                    seen.append({entry["user"] for entry in message["present"]})

        listener = asyncio.get_running_loop().create_task(listen())
        # Warm-up: the database threads' connections, caches and the allocator's first arenas.
        await _churn(port, session.pk, churner, 300)
        await asyncio.sleep(1)
        before = rss_kib(server.pid)
        await _churn(port, session.pk, churner, SOCKETS)
        await asyncio.sleep(2)
        after = rss_kib(server.pid)
        # One more, watched closely: the peer sees it come, and go when it drops.
        await _live_and_die(port, session.pk, churner, 1)
        await asyncio.sleep(1)
        listener.cancel()
        await peer_socket.close()
        return before, after, seen

    before, after, seen = asyncio.run(run())
    assert any(candidate.pk in people for people in seen), "the peer never saw them come"
    assert seen[-1] == {peer.pk}, "the peer still sees a socket that is gone"
    # A socket left behind cost about 55 KB (66 MB for 1,200); what remains after these
    # 1,000 is the allocator's, well under a fifth of that.
    assert after - before < 16 * 1024, f"the server grew by {(after - before) // 1024} MiB"
