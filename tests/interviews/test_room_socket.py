"""The room's WebSocket, message by message, through Channels' communicator on Redis."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections

from config.websocket_routes import websocket_urlpatterns
from interviews import room, room_relay, services
from interviews.models import (
    InterviewerNotes,
    MockSession,
    RevealedHint,
    RoomEvent,
    RoomObserver,
    RoomState,
    WhiteboardElement,
)
from tests.interviews.conftest import post_request, window

pytestmark = pytest.mark.django_db(transaction=True)

router = URLRouter(websocket_urlpatterns)


@pytest.fixture
def session(transactional_db, candidate, peer, slot):
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)], types=("design",))
    post_request(peer, [window(slot, 2)], types=("design",))
    services.match_open_requests()  # posting already queued it; this makes sure
    return MockSession.objects.get()


class _Loop:
    """One event loop for every socket of the suite: a communicator's application
    task lives on the loop that connected it."""

    loop = None

    @classmethod
    def run(cls, coroutine):
        if cls.loop is None:
            cls.loop = asyncio.new_event_loop()
            threading.Thread(target=cls.loop.run_forever, daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coroutine, cls.loop).result(timeout=30)


class Client:
    """A connected socket for one user, driven from synchronous test code."""

    def __init__(self, user, session_id: int, application=None, headers=None):
        self.communicator = WebsocketCommunicator(application or router,
                                                  f"/ws/room/{session_id}/",
                                                  headers=headers or [])
        if application is None:
            self.communicator.scope["user"] = user

    def connect(self):
        connected, code = _Loop.run(self.communicator.connect(timeout=5))
        return connected, code

    def send(self, message):
        text = message if isinstance(message, str) else json.dumps(message)
        _Loop.run(self.communicator.send_to(text_data=text))

    def receive(self, timeout: float = 3):
        return json.loads(_Loop.run(self.communicator.receive_from(timeout=timeout)))

    def receive_type(self, wanted: str, timeout: float = 3):
        while True:
            message = self.receive(timeout)
            if message["type"] == wanted:
                return message

    def sees_present(self, *users, timeout: float = 10) -> None:
        """Wait, as room.js does before it calls, until the room says these are here."""
        wanted = {user.pk for user in users}
        while not wanted <= {entry["user"] for entry in
                             self.receive_type("presence", timeout)["present"]}:
            pass

    def quiet(self, timeout: float = 0.4) -> bool:
        """True when nothing but presence notices arrives for a while."""
        while not _Loop.run(self.communicator.receive_nothing(timeout=timeout)):
            if self.receive()["type"] != "presence":
                return False
        return True

    def close(self):
        _Loop.run(self.communicator.disconnect())


@pytest.fixture
def clients():
    opened = []

    def open_for(user, session):
        client = Client(user, session.pk)
        connected, _ = client.connect()
        assert connected
        client.receive_type("welcome")
        client.send({"type": "hello", "last_seq": 0})
        client.snapshot = client.receive_type("snapshot")
        opened.append(client)
        return client

    yield open_for
    for client in opened:
        client.close()
    stored()  # nothing of this test may reach the next one's tables
    _Loop.run(room_relay.close_connections())
    _Loop.run(database_sync_to_async(connections.close_all)())


def stored() -> None:
    """Wait for the room's writer: strokes are relayed first and stored right after."""
    assert _Loop.run(room_relay.drain())


def roles(session, candidate, peer):
    round_one = session.rounds.get(number=1)
    return (candidate, peer) if round_one.interviewer == candidate else (peer, candidate)


def test_outsiders_and_anonymous_users_are_refused(session, outsider):
    from django.contrib.auth.models import AnonymousUser

    for user in (outsider, AnonymousUser()):
        connected, code = Client(user, session.pk).connect()
        assert not connected and code == 4403


def test_the_candidate_never_receives_the_solution(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    client = clients(candidate_user, session)
    assert client.snapshot["role"] == "candidate"
    question = session.rounds.get(number=1).question
    dumped = json.dumps(client.snapshot)
    assert question.solution[:80] not in dumped
    assert not any(flag[:60] in dumped for flag in question.red_flags)


def test_a_revealed_hint_reaches_the_candidate_at_once(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    boss, seeker = clients(interviewer, session), clients(candidate_user, session)
    question = session.rounds.get(number=1).question
    boss.send({"type": "reveal_hint", "index": 1})
    event = seeker.receive_type("event")
    assert event["kind"] == "hint" and event["payload"]["text"] == question.hints[1]
    seeker.send({"type": "reveal_hint", "index": 0})
    error = seeker.receive_type("error")
    assert error["code"] == "forbidden"
    boss.send({"type": "reveal_hint", "index": 1})
    assert "already shown" in boss.receive_type("error")["message"]
    boss.send({"type": "reveal_hint", "index": 40})
    assert boss.receive_type("error")["code"] == "invalid"
    assert list(RevealedHint.objects.values_list("index", flat=True)) == [1]


def test_the_interviewer_drives_one_clock_for_everyone(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    boss, seeker = clients(interviewer, session), clients(candidate_user, session)
    phases = seeker.snapshot["clock"]["phases"]
    assert [p["key"] for p in phases][:2] == ["requirements", "estimation"]
    assert sum(p["minutes"] for p in phases) == 45
    boss.send({"type": "clock", "action": "start"})
    started = seeker.receive_type("event")
    assert started["kind"] == "clock" and started["payload"]["running"] is True
    boss.send({"type": "clock", "action": "next_phase"})
    moved = seeker.receive_type("event")["payload"]
    assert moved["phase_index"] == 1 and moved["phase_seconds"] == 0
    seeker.send({"type": "clock", "action": "pause"})
    assert seeker.receive_type("error")["code"] == "forbidden"
    boss.send({"type": "clock", "action": "explode"})
    assert boss.receive_type("error")["code"] == "invalid"
    state = RoomState.objects.get(session=session)
    assert state.running and state.phase_index == 1


def test_a_late_joiner_sees_the_same_clock(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    boss = clients(interviewer, session)
    boss.send({"type": "clock", "action": "start"})
    boss.receive_type("event")
    late = clients(candidate_user, session)
    assert late.snapshot["clock"]["running"] is True
    assert late.snapshot["clock"]["phase_index"] == 0


def element(element_id: str, version: int, nonce: int, x: int = 0) -> dict:
    return {"id": element_id, "type": "rectangle", "version": version, "versionNonce": nonce,
            "x": x, "y": 0, "width": 10, "height": 10, "isDeleted": False}


def test_whiteboard_edits_reconcile_by_version(session, candidate, peer, clients):
    left, right = clients(candidate, session), clients(peer, session)

    def draw(sender, receiver, box):
        sender.send({"type": "whiteboard", "elements": [box]})
        got = receiver.receive_type("event")["payload"]["elements"][0]
        assert sender.receive_type("event")["payload"]["elements"][0] == got  # echo
        return got

    assert draw(left, right, element("box", 1, 500))["id"] == "box"
    assert draw(right, left, element("box", 2, 900, x=50))["x"] == 50
    # A stale copy changes nothing and is not broadcast.
    left.send({"type": "whiteboard", "elements": [element("box", 1, 1, x=-5)]})
    assert right.quiet() and left.quiet()
    # Same version on both sides: the lower versionNonce wins, the same on every client.
    assert draw(left, right, element("box", 2, 100, x=77))["x"] == 77
    right.send({"type": "whiteboard", "elements": [element("box", 2, 800, x=99)]})
    assert left.quiet()
    stored()
    box = WhiteboardElement.objects.get(session=session, element_id="box")
    assert (box.version, box.data["x"]) == (2, 77)
    # A reload gets the stored scene from the server.
    fresh = clients(candidate, session)
    assert [e["x"] for e in fresh.snapshot["elements"]] == [77]


def raw_event(client) -> str:
    """The next event frame's text, as the socket sent it."""
    while True:
        text = _Loop.run(client.communicator.receive_from(timeout=3))
        if json.loads(text)["type"] == "event":
            return text


def test_a_stroke_framed_as_the_browser_sends_it_is_relayed_as_it_came(session, candidate,
                                                                        peer, clients):
    left, right = clients(candidate, session), clients(peer, session)
    # room.js sends JSON.stringify's compact frame; its elements travel on unchanged.
    elements_json = ('[{"id":"a","type":"text","version":1,"versionNonce":5,'
                     '"text":"caf\\u00e9 \u2713","x":1.50E1}]')
    left.send('{"type":"whiteboard","elements":' + elements_json + "}")
    relayed = raw_event(right)
    assert '"payload":{"elements":' + elements_json + "}" in relayed
    assert json.loads(relayed)["payload"]["elements"][0]["text"] == "caf\u00e9 \u2713"
    raw_event(left)
    # A stroke the board takes only in part goes out as what it took.
    both = json.dumps({"type": "whiteboard", "elements": [element("a", 1, 9, x=-1),
                                                          element("b", 1, 5, x=2)]},
                      separators=(",", ":"))
    left.send(both)
    assert json.loads(raw_event(right))["payload"]["elements"] == [element("b", 1, 5, x=2)]
    raw_event(left)
    # Compact frames that are not one stroke as room.js writes it are read whole: the
    # last "elements" wins, as in the browsers' JSON.parse, and extra keys are fine.
    for text, relayed_id in (
            ('{"type":"whiteboard","elements":[' + json.dumps(element("c", 1, 1)) +
             '],"elements":[' + json.dumps(element("d", 1, 1)) + "]}", "d"),
            ('{"type":"whiteboard","elements":[' + json.dumps(element("e", 1, 1)) +
             '],"ref":7}', "e")):
        left.send(text)
        relayed = json.loads(raw_event(right))["payload"]["elements"]
        assert relayed == [element(relayed_id, 1, 1)]
        raw_event(left)
    stored()
    texts = dict(WhiteboardElement.objects.values_list("element_id", "data__text"))
    assert texts == {"a": "caf\u00e9 \u2713", "b": None, "d": None, "e": None}


def test_bad_messages_get_an_error_and_change_nothing(session, candidate, peer, clients):
    client = clients(candidate, session)
    before = RoomEvent.objects.count()
    bad = [
        ("{not json", "invalid"),
        (json.dumps([1, 2]), "invalid"),
        (json.dumps({"type": "teleport"}), "invalid"),
        (json.dumps({"type": "whiteboard", "elements": "box"}), "invalid"),
        (json.dumps({"type": "whiteboard", "elements": [{"id": "x", "type": "rectangle",
                                                         "version": "1",
                                                         "versionNonce": 1}]}), "invalid"),
        (json.dumps({"type": "hello", "last_seq": -4}), "invalid"),
        (json.dumps({"type": "signal", "data": {"description": {"type": "bribe"}}}),
         "invalid"),
        (json.dumps({"type": "ping", "pad": "x" * 20_000}), "too_large"),
        ("[" * 100_000, "invalid"),
        # PostgreSQL stores neither a NUL character nor half a surrogate pair.
        (json.dumps({"type": "whiteboard", "elements": [{**element("nul", 1, 1),
                                                         "text": "a\x00b"}]}), "invalid"),
        (json.dumps({"type": "whiteboard", "elements": [{**element("half", 1, 1),
                                                         "text": "é\ud800"}]}), "invalid"),
        (json.dumps({"type": "notes", "text": "\x00"}), "invalid"),
        # JSON.parse in the peers' browsers refuses NaN and Infinity.
        (json.dumps({"type": "whiteboard", "elements": [{**element("nan", 1, 1),
                                                         "x": float("nan")}]}), "invalid"),
        ('{"type": "whiteboard", "elements": [{"id": "inf", "type": "rectangle", '
         '"version": 1, "versionNonce": 1, "x": 1e999}]}', "invalid"),
        ('{"type": "ping", "n": ' + "7" * 5000 + "}", "invalid"),
        ('{"type": "ping", "n": ' + "7" * 400 + "}", "invalid"),
        (json.dumps({"type": "whiteboard", "elements": [element("huge", 2**31, 1)]}),
         "invalid"),
        (json.dumps({"type": "whiteboard", "elements": [element("big", 1, 1)],
                     "pad": "x" * 300_000}), "too_large"),
    ]
    for text, code in bad:
        client.send(text)
        assert client.receive_type("error")["code"] == code, text[:40]
    client.send({"type": "ping", "ref": "still-open"})
    assert client.receive_type("pong")["ref"] == "still-open"
    stored()
    assert RoomEvent.objects.count() == before
    assert not WhiteboardElement.objects.exists()
    assert not InterviewerNotes.objects.exclude(text="").exists()


def test_a_flooding_client_is_throttled(session, candidate, clients):
    client = clients(candidate, session)
    for n in range(120):
        client.send({"type": "ping", "ref": n})
    replies = [client.receive(timeout=5) for _ in range(120)]
    limited = [r for r in replies if r["type"] == "error" and r["code"] == "rate_limited"]
    assert limited and len(limited) < 120


def test_notes_are_private_and_saved(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    boss, seeker = clients(interviewer, session), clients(candidate_user, session)
    boss.send({"type": "notes", "text": "12:03 asked about KV cache; strong", "ref": 1})
    boss.receive_type("notes_saved")
    assert seeker.quiet()
    assert InterviewerNotes.objects.get().text.startswith("12:03")
    seeker.send({"type": "notes", "text": "let me write my own grade"})
    assert seeker.receive_type("error")["code"] == "forbidden"


def test_a_returning_client_gets_what_it_missed(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    boss = clients(interviewer, session)
    boss.send({"type": "reveal_hint", "index": 2})
    boss.receive_type("event")
    seen = clients(candidate_user, session).snapshot["seq"]
    assert seen == 1
    boss.send({"type": "reveal_hint", "index": 0})
    boss.receive_type("event")
    boss.send({"type": "clock", "action": "start"})
    boss.receive_type("event")
    returning = Client(candidate_user, session.pk)
    returning.connect()
    returning.receive_type("welcome")
    returning.send({"type": "hello", "last_seq": seen})
    kinds = [returning.receive_type("event")["kind"] for _ in range(2)]
    assert kinds == ["hint", "clock"]
    returning.close()


def test_a_client_too_far_behind_is_told_to_reload(session, candidate, clients, monkeypatch):
    monkeypatch.setattr(room, "RESUME_LIMIT", 1)
    interviewer = session.rounds.get(number=1).interviewer
    boss = clients(interviewer, session)
    for index in range(3):
        boss.send({"type": "reveal_hint", "index": index})
        boss.receive_type("event")
    stale = Client(interviewer, session.pk)
    stale.connect()
    stale.receive_type("welcome")
    stale.send({"type": "hello", "last_seq": 1})
    assert stale.receive_type("reload")["reason"] == "too far behind"
    stale.close()


def test_voice_signals_go_to_the_peer_only(session, candidate, peer, outsider, clients):
    left, right = clients(candidate, session), clients(peer, session)
    left.sees_present(candidate, peer)
    right.sees_present(candidate, peer)
    offer = {"description": {"type": "offer", "sdp": "v=0\r\n"}}
    left.send({"type": "signal", "data": offer})
    relayed = right.receive_type("signal")
    assert relayed["data"] == offer and relayed["from"] == candidate.pk
    assert left.quiet()
    RoomObserver.objects.create(session=session, user=outsider, invited_by=candidate)
    watcher = clients(outsider, session)
    watcher.send({"type": "signal", "data": offer})
    assert watcher.receive_type("error")["code"] == "forbidden"


def test_an_invited_observer_watches_read_only(session, candidate, outsider, clients):
    room.observer_invite(session=session, by=candidate, user=outsider)
    watcher = clients(outsider, session)
    assert watcher.snapshot["role"] == "observer"
    watcher.send({"type": "whiteboard", "elements": [element("o", 1, 1)]})
    assert watcher.receive_type("error")["code"] == "forbidden"
    watcher.send({"type": "reveal_hint", "index": 0})
    assert watcher.receive_type("error")["code"] == "forbidden"
    stored()
    assert not WhiteboardElement.objects.exists()


def test_swapping_rounds_swaps_the_roles(session, candidate, peer, clients):
    interviewer, candidate_user = roles(session, candidate, peer)
    boss = clients(interviewer, session)
    boss.send({"type": "clock", "action": "next_round"})
    assert boss.receive_type("event")["kind"] == "round"
    again = clients(candidate_user, session)
    assert again.snapshot["role"] == "interviewer" and again.snapshot["round"] == 2
    boss.send({"type": "clock", "action": "next_round"})
    assert boss.receive_type("error")["code"] == "forbidden"


def test_the_full_stack_checks_origin_and_login(session, candidate, client):
    from config.asgi import application

    client.force_login(candidate)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    def attempt(origin: bytes, cookie: bytes = cookie):
        socket = Client(None, session.pk, application=application,
                        headers=[(b"origin", origin), (b"cookie", cookie),
                                 (b"host", b"127.0.0.1")])
        connected, _ = socket.connect()
        if connected:
            welcome = socket.receive_type("welcome")
            socket.close()
            return welcome["user"]
        return None

    assert attempt(b"http://127.0.0.1") == candidate.pk
    assert attempt(b"http://evil.example") is None
    forged = b"sessionid=" + secrets.token_hex(16).encode()  # well-formed, never issued
    assert attempt(b"http://127.0.0.1", cookie=forged) is None
    assert attempt(b"http://127.0.0.1", cookie=b'sessionid="\\000abcdefghijk"') is None
    client.logout()
    assert attempt(b"http://127.0.0.1") is None  # the session ended with the logout

    client.force_login(candidate)
    fresh = f"sessionid={client.cookies['sessionid'].value}".encode()
    assert attempt(b"http://127.0.0.1", cookie=fresh) == candidate.pk
    candidate.set_password("a-new-password-42")
    candidate.save()
    assert attempt(b"http://127.0.0.1", cookie=fresh) is None  # sessions end with the password


def test_a_secret_key_rotation_keeps_the_room_and_the_login(session, candidate, client,
                                                             settings):
    from django.contrib.sessions.models import Session

    from config.asgi import application

    client.force_login(candidate)
    key = client.cookies["sessionid"].value
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "r" * 40

    socket = Client(None, session.pk, application=application,
                    headers=[(b"origin", b"http://127.0.0.1"),
                             (b"cookie", f"sessionid={key}".encode()),
                             (b"host", b"127.0.0.1")])
    connected, _ = socket.connect()
    assert connected and socket.receive_type("welcome")["user"] == candidate.pk
    socket.close()
    # The socket left the session alone; the next page renews it under the new key.
    assert Session.objects.filter(session_key=key).exists()
    assert client.get("/mocks/").wsgi_request.user == candidate


def test_a_stranger_with_an_account_is_refused(session):
    other = get_user_model().objects.create_user("late", "late@example.test", "pw-long-99x")
    connected, code = Client(other, session.pk).connect()
    assert not connected and code == 4403


def test_the_scene_and_its_log_are_served_to_the_room_only(session, candidate, peer, outsider,
                                                           clients, client):
    left = clients(candidate, session)
    left.send({"type": "whiteboard", "elements": [element("a", 1, 5)]})
    left.receive_type("event")
    left.send({"type": "whiteboard", "elements": [element("a", 2, 5, x=30)]})
    left.receive_type("event")
    stored()
    client.force_login(peer)
    body = client.get(f"/api/sessions/{session.pk}/whiteboard/").json()
    assert [e["x"] for e in body["elements"]] == [30]
    assert [entry["elements"][0]["version"] for entry in body["log"]] == [1, 2]
    assert all(entry["at"] for entry in body["log"])
    client.force_login(outsider)
    assert client.get(f"/api/sessions/{session.pk}/whiteboard/").status_code == 404
