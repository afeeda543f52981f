"""Every room message type over the socket: a good one is taken, a bad one is answered
with an error that names the field path (and the message's `ref` when it has a valid
one), and the socket goes on."""

from __future__ import annotations

import json

from interviews.models import RoomEvent, WhiteboardElement
from tests.interviews.test_room_socket import (  # noqa: F401  (fixtures used here)
    clients,
    element,
    roles,
    session,
    stored,
)


def stroke(*elements: dict, **extra) -> dict:
    return {"type": "whiteboard", "elements": list(elements), **extra}


BAD = [
    # (frame, what the error message starts with)
    ({"type": "teleport", "ref": "t1"}, "type: unknown message type 'teleport'"),
    ({"ref": "t2"}, "type: required"),
    ([{"type": "ping"}], "Messages must be JSON objects"),
    ("{not json", "Invalid JSON"),
    ({"type": "ping", "ref": "x" * 65}, "ref: "),
    ({"type": "ping", "ref": 10**64}, "ref: "),
    ({"type": "hello", "last_seq": 2**53 + 1, "ref": "t3"}, "last_seq: "),
    ({"type": "hello", "last_seq": 1.0}, "last_seq: "),
    ({"type": "hello", "last_seq": 0, "tab": "short"}, "tab: "),
    ({"type": "hello", "last_seq": 0, "tab": "bad tab id!"}, "tab: "),
    ({"type": "hello", "last_seq": 0, "tab": "abcdefgh"}, "opened_at: "),
    ({"type": "hello", "last_seq": 0, "tab": "abcdefgh", "opened_at": -1}, "opened_at: "),
    ({"type": "resume"}, "last_seq: Field required"),
    ({"type": "reveal_hint", "index": 51}, "index: "),
    ({"type": "reveal_hint", "index": True}, "index: "),
    ({"type": "clock", "action": "x" * 21}, "action: "),
    ({"type": "notes"}, "text: Field required"),
    ({"type": "notes", "text": "a\x00b"}, "text: Text may not contain the NUL"),
    (stroke(), "elements: "),
    (stroke(*[element(f"e{i}", 1, 1) for i in range(501)]), "elements: "),
    (stroke({**element("a", 1, 1), "id": "x" * 65}), "elements.0.id: "),
    (stroke(element("a", 1, 1), {**element("b", 1, 1), "type": None}), "elements.1.type: "),
    (stroke({**element("a", 1, 1), "version": 0}), "elements.0.version: "),
    (stroke({**element("a", 1, 1), "version": 2**31}), "elements.0.version: "),
    (stroke({**element("a", 1, 1), "versionNonce": 2**53 + 1}), "elements.0.versionNonce: "),
    (stroke({k: v for k, v in element("a", 1, 1).items() if k != "versionNonce"}),
     "elements.0.versionNonce: Field required"),
    (stroke({**element("a", 1, 1), "points": [[0, 0], [1, float("nan")]]}),
     "elements.0.points.1.1: must be a finite number"),
    (stroke({**element("a", 1, 1), "customData": {"note": "a\x00"}}),
     "elements.0.customData.note: Text may not contain the NUL"),
    ('{"type":"whiteboard","elements":[{"id":"a","type":"rectangle","version":1,'
     '"versionNonce":1,"x":-Infinity}]}', "elements.0.x: must be a finite number"),
    ('{"type":"ping","n":' + "9" * 309 + "}", "n: must be a finite number"),
    ({"type": "signal", "data": {}}, "data: must hold a 'description' or a 'candidate'"),
    ({"type": "signal", "data": {"description": {"sdp": "v=0"}}},
     "data.description.type: Field required"),
    ({"type": "signal", "data": {"description": {"type": "offer", "sdp": 1}}},
     "data.description.sdp: "),
    ({"type": "signal", "data": {"candidate": [1]}}, "data.candidate: "),
    ({"type": "signal", "data": {"candidate": {"sdpMLineIndex": float("inf")}}},
     "data.candidate.sdpMLineIndex: must be a finite number"),
]


def test_a_bad_message_is_answered_with_its_field_path(
        session, candidate, peer, clients):  # noqa: F811
    interviewer, _ = roles(session, candidate, peer)
    socket = clients(interviewer, session)
    for frame, start in BAD:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        socket.send(text)
        error = socket.receive_type("error")
        assert error["code"] == "invalid", text[:80]
        assert error["message"].startswith(start), (text[:80], error["message"])
        has_ref = isinstance(frame, dict) and str(frame.get("ref")).startswith("t")
        assert error["ref"] == (frame["ref"] if has_ref else None), text[:80]
    socket.send({"type": "ping", "ref": "after"})
    assert socket.receive_type("pong")["ref"] == "after"
    stored()
    assert not RoomEvent.objects.exists()
    assert not WhiteboardElement.objects.exists()


def test_a_message_for_another_type_is_refused_by_size(session, candidate, clients):  # noqa: F811
    """Only strokes may be large; the reply still carries the message's ref."""
    socket = clients(candidate, session)
    socket.send({"type": "notes", "text": "x" * 20_000, "ref": "big"})
    error = socket.receive_type("error")
    assert (error["code"], error["ref"]) == ("too_large", "big")
    socket.send(stroke({**element("a", 1, 1), "text": "x" * 20_000}))
    assert socket.receive_type("event")["payload"]["elements"][0]["id"] == "a"


def wait_for_presence(socket, people: set[int]) -> None:
    while {entry["user"] for entry in socket.receive_type("presence")["present"]} != people:
        pass


def receive_event(socket, kind: str) -> dict:
    while (event := socket.receive_type("event"))["kind"] != kind:
        pass
    return event


def test_every_good_message_is_taken(session, candidate, peer, clients):  # noqa: F811
    interviewer, other = roles(session, candidate, peer)
    boss, seeker = clients(interviewer, session), clients(other, session)
    wait_for_presence(boss, {interviewer.pk, other.pk})
    wait_for_presence(seeker, {interviewer.pk, other.pk})
    boss.send({"type": "hello", "last_seq": 0, "tab": "tab_id-01", "opened_at": 1, "ref": 1})
    assert boss.receive_type("snapshot")
    boss.send({"type": "resume", "last_seq": 0, "ref": "r"})
    assert boss.receive_type("snapshot")
    boss.send({"type": "reveal_hint", "index": 0})
    assert receive_event(seeker, "hint")
    boss.send({"type": "clock", "action": "start"})
    assert receive_event(seeker, "clock")
    # Keys the room does not use are fine, on the message and on an element.
    box = {**element("box", 1, 1), "customData": {"note": "café ✓"}, "points": [[0, 1.5]]}
    seeker.send(stroke(box, ref="s1", extra={"kept": True}))
    assert receive_event(boss, "whiteboard")["payload"]["elements"] == [box]
    boss.send({"type": "notes", "text": "asked about caching", "ref": "n1"})
    assert boss.receive_type("notes_saved")["ref"] == "n1"
    boss.send({"type": "signal", "data": {"description": {"type": "offer", "sdp": "v=0"},
                                          "call": 2}})
    signal = seeker.receive_type("signal")
    assert signal["data"] == {"description": {"type": "offer", "sdp": "v=0"}, "call": 2}
    boss.send({"type": "signal", "data": {"candidate": None}})
    assert seeker.receive_type("signal")["data"] == {"candidate": None}
    boss.send({"type": "ping", "ref": -(10**63) + 1, "pad": "x"})
    assert boss.receive_type("pong")["ref"] == -(10**63) + 1


def test_numbers_a_browser_reads_are_relayed(session, candidate, peer, clients):  # noqa: F811
    left, right = clients(candidate, session), clients(peer, session)
    for version, number in enumerate(["1e308", "-0.0", "4" * 308, "1e-400"], start=1):
        left.send('{"type":"whiteboard","elements":[{"id":"n","type":"text","version":'
                  + str(version) + ',"versionNonce":1,"x":' + number + "}]}")
        relayed = right.receive_type("event")["payload"]["elements"][0]
        assert (relayed["version"], relayed["x"]) == (version, json.loads(number))
