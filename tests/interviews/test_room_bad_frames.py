"""Every field of every room message, sent with the wrong type: an error reply naming the
problem, and the socket goes on; a handler that crashes is answered too, and the peer
never sees a ghost."""

from __future__ import annotations

import pytest

from interviews import room
from tests.interviews.test_room_socket import (  # noqa: F401  (fixtures used here)
    clients,
    roles,
    session,
)

WRONG = [
    {"type": ["ping"]}, {"type": {}}, {"type": None}, {"type": 3},
    {"type": "ping", "ref": [1]}, {"type": "ping", "ref": {"a": 1}}, {"type": "ping", "ref": True},
    {"type": "hello", "last_seq": "0"}, {"type": "hello", "last_seq": -1},
    {"type": "hello", "last_seq": 0, "tab": ["abcdefgh"], "opened_at": 1},
    {"type": "hello", "last_seq": 0, "tab": "abcdefgh", "opened_at": "1"},
    {"type": "resume", "last_seq": [0]},
    {"type": "reveal_hint", "index": "0"}, {"type": "reveal_hint", "index": [0]},
    {"type": "clock", "action": ["start"]}, {"type": "clock", "action": 1},
    {"type": "notes", "text": None}, {"type": "notes", "text": ["a"]},
    {"type": "whiteboard", "elements": {}}, {"type": "whiteboard", "elements": [1]},
    {"type": "whiteboard", "elements": [{"id": [], "type": "rectangle", "version": 1,
                                         "versionNonce": 1}]},
    {"type": "whiteboard", "elements": [{"id": "a", "type": "rectangle", "version": "1",
                                         "versionNonce": 1}]},
    {"type": "signal", "data": []}, {"type": "signal", "data": {"description": "offer"}},
    {"type": "signal", "data": {"description": {"type": ["offer"]}}},
    {"type": "signal", "data": {"candidate": "x"}},
]


@pytest.mark.parametrize("frame", WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_a_wrong_type_is_answered(session, candidate, peer, clients, frame):  # noqa: F811
    """An error reply naming the problem, and the socket goes on."""
    interviewer, _ = roles(session, candidate, peer)
    socket = clients(interviewer, session)
    socket.send(frame)
    error = socket.receive_type("error")
    assert error["code"] == "invalid" and error["message"]
    socket.send({"type": "ping", "ref": "after"})
    assert socket.receive_type("pong")["ref"] == "after"


def wait_for_presence(socket, people: set[int]) -> None:
    """Read presence notices until the room lists exactly these people."""
    while {entry["user"] for entry in socket.receive_type("presence")["present"]} != people:
        pass


def test_a_crash_is_answered(session, candidate, peer, clients, monkeypatch):  # noqa: F811
    """A handler that crashes is answered and logged; the socket goes on, and when it
    closes the peer sees it leave."""
    interviewer, other = roles(session, candidate, peer)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(room, "hint_reveal", broken)
    watcher = clients(other, session)
    socket = clients(interviewer, session)
    wait_for_presence(watcher, {other.pk, interviewer.pk})
    socket.send({"type": "reveal_hint", "index": 0, "ref": "r1"})
    error = socket.receive_type("error")
    assert error["code"] == "internal" and error["ref"] == "r1"
    socket.send({"type": "ping", "ref": "still"})
    assert socket.receive_type("pong")["ref"] == "still"
    socket.close()
    wait_for_presence(watcher, {other.pk})
