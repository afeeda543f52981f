"""Two ASGI processes sharing Redis serve one room: each side sees the other's changes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from django.conf import settings
from django.core.management import call_command

from interviews import services
from interviews.models import MockSession
from tests.conftest import ROOT, _test_database_env, _wait_for, free_port
from tests.interviews.conftest import post_request, window

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_servers(two_servers_with_processes):
    return two_servers_with_processes[0]


@pytest.fixture
def two_servers_with_processes(transactional_db):
    assert settings.REDIS_URL, "this test needs REDIS_URL (make test sets it)"
    processes, urls = [], []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host",
             "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--log-level", "warning"],
            cwd=ROOT, env=_test_database_env())
        processes.append(process)
        urls.append(f"127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            _wait_for(f"http://{url}/healthz", process)
        yield urls, processes
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()  # one per user: logging another user in would end this session
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def until(socket, kind: str, timeout: float = 5) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if message["type"] == "event" and message["kind"] == kind:
            return message


async def exchange(first_url, second_url, session_id, first_cookie, second_cookie):
    async def connect(url, cookie):
        socket = await websockets.connect(
            f"ws://{url}/ws/room/{session_id}/", origin=f"http://{url}",
            additional_headers={"Cookie": cookie})
        await socket.send(json.dumps({"type": "hello", "last_seq": 0}))
        return socket

    left = await connect(first_url, first_cookie)
    right = await connect(second_url, second_cookie)
    try:
        box = {"id": "shared", "type": "rectangle", "version": 1, "versionNonce": 7,
               "x": 1, "y": 2, "width": 3, "height": 4, "isDeleted": False}
        await left.send(json.dumps({"type": "whiteboard", "elements": [box]}))
        seen_right = await until(right, "whiteboard")
        await until(left, "whiteboard")  # the sender's own echo
        await right.send(json.dumps({"type": "whiteboard",
                                     "elements": [{**box, "version": 2, "x": 40}]}))
        seen_left = await until(left, "whiteboard")
        return seen_right, seen_left
    finally:
        await left.close()
        await right.close()


def test_clients_on_different_processes_share_the_room(two_servers, candidate, peer, slot):
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()
    session = MockSession.objects.get()
    first_cookie = session_cookie(candidate)
    second_cookie = session_cookie(peer)
    # A thread of its own: Playwright may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        seen_right, seen_left = pool.submit(
            asyncio.run, exchange(two_servers[0], two_servers[1], session.pk, first_cookie,
                                  second_cookie)).result(timeout=60)
    assert seen_right["payload"]["elements"][0]["x"] == 1
    assert seen_left["payload"]["elements"][0]["x"] == 40
    assert seen_left["seq"] == seen_right["seq"] + 1


async def people_seen(socket, wanted: set[int], timeout: float) -> set[int]:
    """Read until the room's presence lists exactly `wanted`; the events seen meanwhile
    are kept on the socket for the caller."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        message = json.loads(await asyncio.wait_for(socket.recv(), max(left, 0.01)))
        if message["type"] == "presence":
            people = {entry["user"] for entry in message["present"]}
            if people == wanted:
                return people


async def crash_and_return(urls, processes, session_id, candidate, peer, cookies):
    async def connect(url, cookie, last_seq=0):
        socket = await websockets.connect(
            f"ws://{url}/ws/room/{session_id}/", origin=f"http://{url}",
            additional_headers={"Cookie": cookie})
        await socket.send(json.dumps({"type": "hello", "last_seq": last_seq,
                                      "tab": f"tab{last_seq}xxxxx", "opened_at": 1}))
        return socket

    doomed = await connect(urls[0], cookies[0])
    survivor = await connect(urls[1], cookies[1])
    await people_seen(survivor, {candidate.pk, peer.pk}, timeout=10)
    await people_seen(doomed, {candidate.pk, peer.pk}, timeout=10)
    last_seq = 0
    box = {"id": "before", "type": "rectangle", "version": 1, "versionNonce": 1,
           "x": 0, "y": 0, "width": 3, "height": 4, "isDeleted": False}
    await doomed.send(json.dumps({"type": "whiteboard", "elements": [box]}))
    last_seq = (await until(doomed, "whiteboard"))["seq"]

    processes[0].kill()  # no close frame, no cleanup: the process is gone
    started = asyncio.get_running_loop().time()
    await people_seen(survivor, {peer.pk}, timeout=20)
    gone_after = asyncio.get_running_loop().time() - started
    drawn = []
    for n in range(3):
        element = {**box, "id": f"meanwhile-{n}", "x": 10 * n}
        await survivor.send(json.dumps({"type": "whiteboard", "elements": [element]}))
        drawn.append((await until(survivor, "whiteboard"))["seq"])

    back = await connect(urls[1], cookies[0], last_seq=last_seq)
    caught = []
    while len(caught) < len(drawn):
        message = json.loads(await asyncio.wait_for(back.recv(), 10))
        if message["type"] == "event" and message["kind"] == "whiteboard":
            caught.append((message["seq"], message["payload"]["elements"][0]["id"]))
    await people_seen(survivor, {candidate.pk, peer.pk}, timeout=10)
    await back.close()
    await survivor.close()
    return gone_after, drawn, caught


def test_a_killed_process_costs_its_people_seconds(two_servers_with_processes, candidate,
                                                   peer, slot):
    """kill -9 of the process serving one person: the peer on the other process sees
    them leave within 15 s, and their reconnect catches up with what was drawn meanwhile,
    each stroke once and in order."""
    urls, processes = two_servers_with_processes
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()
    session = MockSession.objects.get()
    cookies = (session_cookie(candidate), session_cookie(peer))
    with ThreadPoolExecutor(max_workers=1) as pool:
        gone_after, drawn, caught = pool.submit(
            asyncio.run, crash_and_return(urls, processes, session.pk, candidate, peer,
                                          cookies)).result(timeout=120)
    assert gone_after < 15, f"the peer saw the crashed side leave after {gone_after:.1f} s"
    assert [seq for seq, _ in caught] == drawn
    assert [element for _, element in caught] == [f"meanwhile-{n}" for n in range(3)]
