"""A coach watches a linked candidate's mock only when invited, and not a moment after
the link ends."""

from __future__ import annotations

import pytest

from coaching.models import CoachLink
from coaching.services import coach_link_end
from interviews.models import RoomObserver
from tests.interviews.test_room_socket import Client, _Loop

pytestmark = pytest.mark.django_db(transaction=True)


def test_only_a_linked_coach_can_be_invited(client, session, candidate, coach):
    client.force_login(candidate)
    response = client.post(f"/mocks/session/{session.pk}/observers/", {"coach": coach.pk},
                           follow=True)
    assert "Only a coach linked to you" in response.content.decode()
    assert not RoomObserver.objects.exists()

    CoachLink.objects.create(candidate=candidate, coach=coach, started_by="coach",
                             status="active")
    client.post(f"/mocks/session/{session.pk}/observers/", {"coach": coach.pk})
    assert RoomObserver.objects.filter(session=session, user=coach).exists()


def test_ending_the_link_closes_the_coachs_live_room(session, candidate, coach, clients):
    link = CoachLink.objects.create(candidate=candidate, coach=coach, started_by="coach",
                                    status="active")
    RoomObserver.objects.create(session=session, user=coach, invited_by=candidate)
    watcher = clients(coach, session)
    assert watcher.snapshot["role"] == "observer"
    participant = clients(candidate, session)

    coach_link_end(link=link, by=candidate)

    assert watcher.receive_type("error")["message"] == (
        "Your invitation to this room was withdrawn.")
    closing = _Loop.run(watcher.communicator.receive_output(timeout=3))
    assert closing == {"type": "websocket.close", "code": 4403}
    assert not RoomObserver.objects.exists()
    connected, code = Client(coach, session.pk).connect()
    assert not connected and code == 4403
    participant.send({"type": "ping", "ref": 1})
    assert participant.receive_type("pong")["ref"] == 1
