"""Strokes are relayed before they are stored: numbering, resumes and a failing writer."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, transaction

from interviews import room, room_relay
from interviews.models import RoomEvent, RoomState, WhiteboardElement
from tests.interviews import test_room_socket as sockets
from tests.interviews.test_room_socket import Client, element, roles, stored

pytestmark = pytest.mark.django_db(transaction=True)

session, clients = sockets.session, sockets.clients  # the socket tests' fixtures


def draw(sender, receivers, box) -> dict:
    sender.send({"type": "whiteboard", "elements": [box]})
    for receiver in receivers:
        event = receiver.receive_type("event")
    return event


def returning_client(user, session, last_seq: int) -> Client:
    client = Client(user, session.pk)
    connected, _ = client.connect()
    assert connected
    client.receive_type("welcome")
    client.send({"type": "hello", "last_seq": last_seq})
    return client


def stored_seqs(session) -> list[int]:
    return list(RoomEvent.objects.filter(session=session).order_by("seq")
                .values_list("seq", flat=True))


@pytest.fixture
def database_down_for_the_writer(monkeypatch):
    """The writer's batches fail (as when PostgreSQL is unreachable) until `up()`."""
    real = room_relay.store_events
    state = {"down": True, "failures": 0}

    def store(events):
        if state["down"]:
            state["failures"] += 1
            raise OperationalError("the database is unreachable")
        real(events)

    monkeypatch.setattr(room_relay, "store_events", store)
    state["up"] = lambda: state.update(down=False)
    yield state
    state["up"]()


def wait_until(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_failing_writer_does_not_stop_the_room(session, candidate, peer, clients,
                                                database_down_for_the_writer):
    interviewer, seeker_user = roles(session, candidate, peer)
    boss, seeker = clients(interviewer, session), clients(seeker_user, session)
    seen = draw(seeker, [boss, seeker], element("box", 1, 10, x=1))["seq"]
    for version in range(2, 5):
        event = draw(seeker, [boss, seeker], element("box", version, 10, x=version))
        assert event["seq"] == seen + version - 1
    boss.send({"type": "reveal_hint", "index": 0})
    assert seeker.receive_type("event")["kind"] == "hint"
    wait_until(lambda: database_down_for_the_writer["failures"] >= 1)
    assert not RoomEvent.objects.filter(session=session, kind="whiteboard").exists()

    # Newcomers and returning clients are served from the writer's memory meanwhile.
    fresh = clients(candidate, session)
    assert fresh.snapshot["seq"] == seen + 4
    assert [(e["id"], e["version"]) for e in fresh.snapshot["elements"]] == [("box", 4)]
    back = returning_client(seeker_user, session, seen)
    missed = [back.receive_type("event") for _ in range(4)]
    assert [e["seq"] for e in missed] == [seen + 1, seen + 2, seen + 3, seen + 4]
    assert [e["kind"] for e in missed] == ["whiteboard"] * 3 + ["hint"]
    back.close()

    # Once the database is back, everything is stored, in order, without gaps.
    database_down_for_the_writer["up"]()
    stored()
    assert stored_seqs(session) == list(range(1, seen + 5))
    assert RoomState.objects.get(session=session).last_seq == seen + 4
    box = WhiteboardElement.objects.get(session=session, element_id="box")
    assert (box.version, box.data["x"]) == (4, 4)


def test_a_resume_gets_strokes_not_stored_yet(session, candidate, peer, clients,
                                              database_down_for_the_writer):
    left, right = clients(candidate, session), clients(peer, session)
    seen = draw(left, [right], element("first", 1, 1))["seq"]
    draw(left, [right], element("a", 1, 1))
    draw(right, [left], element("b", 1, 1))
    back = returning_client(peer, session, seen)
    assert [back.receive_type("event")["payload"]["elements"][0]["id"]
            for _ in range(2)] == ["a", "b"]
    back.close()
    database_down_for_the_writer["up"]()


def test_a_number_lost_with_its_event_is_filled_so_nobody_waits(session, candidate, peer,
                                                                 clients, monkeypatch):
    monkeypatch.setattr(room_relay, "CATCH_UP_WAIT", 0.5)
    left, right = clients(candidate, session), clients(peer, session)
    seen = draw(left, [right], element("first", 1, 1))["seq"]
    # A process took a number and died before storing or sending its event.
    lost = room_relay.sequences().take_sync(room_relay.session_ref(session))
    assert draw(left, [right], element("box", 1, 1))["seq"] == lost + 1
    right.send({"type": "resume", "last_seq": seen})
    filled = right.receive_type("event", timeout=10)
    assert (filled["seq"], filled["kind"]) == (lost, room_relay.VOID)
    assert right.receive_type("event")["seq"] == lost + 1
    stored()
    assert stored_seqs(session) == list(range(1, lost + 2))


def test_events_from_outside_the_socket_take_their_turn(session, candidate, peer,
                                                        clients):
    left, right = clients(candidate, session), clients(peer, session)
    seen = draw(left, [left, right], element("box", 1, 1))["seq"]
    with pytest.raises(RuntimeError), transaction.atomic():
        room.publish_event(session.pk, "transcript", {"text": "never said"})
        raise RuntimeError("the task failed; its transaction rolls back")
    assert right.quiet()
    room.publish_event(session.pk, "transcript", {"text": "Let us size the cache."})
    for client in (left, right):
        event = client.receive_type("event")
        assert (event["seq"], event["kind"]) == (seen + 1, "transcript")
        assert event["payload"]["text"] == "Let us size the cache."
    assert draw(right, [right, left], element("box", 2, 1))["seq"] == seen + 2
    stored()
    assert stored_seqs(session) == list(range(1, seen + 3))


class ServerSideBinding:
    """Django's cursor as it is with OPTIONS server_side_binding: one statement a call."""

    def __init__(self, raw_connection):
        import psycopg

        self.cursor = psycopg.Cursor(raw_connection)

    def execute(self, statement, parameters):
        return self.cursor.execute(statement, parameters)


@pytest.mark.parametrize("binding", ["client", "server"])
def test_a_batch_keeps_each_elements_winner_and_raises_the_counter(session, binding):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("the writer's batch statement is PostgreSQL's; run with DATABASE_URL")
    RoomState.objects.get_or_create(session=session)
    strokes = [(1, "a", 3, 9), (2, "a", 5, 9), (3, "b", 2, 4), (4, "b", 2, 1), (5, "a", 4, 0)]
    events = [room_relay.Event(session_id=session.pk, kind="whiteboard", seq=seq,
                               payload={"elements": [element(eid, version, nonce)]})
              for seq, eid, version, nonce in strokes]
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        target = cursor if binding == "client" else ServerSideBinding(connection.connection)
        room_relay._store_on_postgresql(target, events)

    assert stored_seqs(session) == [1, 2, 3, 4, 5]
    boards = {row.element_id: (row.version, row.version_nonce)
              for row in WhiteboardElement.objects.filter(session=session)}
    assert boards == {"a": (5, 9), "b": (2, 1)}  # higher version; a tie to the lower nonce
    assert RoomState.objects.get(session=session).last_seq == 5
    assert RoomEvent.objects.get(session=session, seq=3).payload["elements"][0]["id"] == "b"


@pytest.mark.parametrize("bad_seq", [3, 5])  # 5: the counter's new value is the void's
@pytest.mark.parametrize("bad_text", ["nul \x00 inside", "half a pair \ud800"])
def test_an_event_the_database_refuses_holds_up_nothing_else(session, bad_text, bad_seq):
    """Should such an event get past the socket's checks, the writer stores the rest of
    its batch and a void event in its number, instead of retrying the batch forever."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("only PostgreSQL refuses these characters; run with DATABASE_URL")
    RoomState.objects.get_or_create(session=session)
    boxes = [element(f"box{seq}", 1, 1) for seq in range(1, 6)]
    boxes[bad_seq - 1]["text"] = bad_text
    events = [room_relay.Event(session_id=session.pk, kind="whiteboard", seq=seq,
                               payload={"elements": [box]})
              for seq, box in enumerate(boxes, start=1)]
    room_relay.store_what_the_database_takes(events)

    kinds = dict(RoomEvent.objects.filter(session=session).values_list("seq", "kind"))
    assert kinds == {seq: room_relay.VOID if seq == bad_seq else "whiteboard"
                     for seq in range(1, 6)}
    assert sorted(WhiteboardElement.objects.filter(session=session)
                  .values_list("element_id", flat=True)) == [
        f"box{seq}" for seq in range(1, 6) if seq != bad_seq]
    assert RoomState.objects.get(session=session).last_seq == 5


def test_a_fault_refusing_every_event_voids_none_of_them(session):
    """When the database refuses every event, the fault is not in their content (here a
    column too narrow for any kind): the batch fails, to be retried, and nothing is
    stored as void; once the fault is fixed the retry stores every event."""
    from django.db import DataError, connection

    RoomState.objects.get_or_create(session=session)
    events = [room_relay.Event(session_id=session.pk, kind="whiteboard", seq=seq,
                               payload={"elements": [element(f"box{seq}", 1, 1)]})
              for seq in range(1, 4)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE interviews_roomevent ALTER COLUMN kind TYPE varchar(3)")
    try:
        with pytest.raises(DataError):
            room_relay.store_what_the_database_takes(events)
        assert not RoomEvent.objects.filter(session=session).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE interviews_roomevent ALTER COLUMN kind TYPE "
                           "varchar(20)")

    room_relay.store_what_the_database_takes(events)
    assert list(RoomEvent.objects.filter(session=session).order_by("seq")
                .values_list("seq", "kind")) == [(1, "whiteboard"), (2, "whiteboard"),
                                                 (3, "whiteboard")]
    assert RoomState.objects.get(session=session).last_seq == 3
