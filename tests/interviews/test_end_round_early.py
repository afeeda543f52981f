"""The interviewer ends a round early: both sides are told at once, grading opens at once
for both, and only the interviewer can do it."""

from __future__ import annotations

from django.test import Client as HttpClient

from interviews.models import Round
from tests.interviews.test_room_socket import (  # noqa: F401  (fixtures used here)
    clients,
    roles,
    session,
)
from tests.scoring.conftest import api_payload


def test_ending_early_opens_grading_for_both(session, candidate, peer, clients):  # noqa: F811
    interviewer, candidate_user = roles(session, candidate, peer)
    round_ = session.rounds.get(number=1)
    http = HttpClient()
    http.force_login(interviewer)
    too_soon = http.post(f"/api/rounds/{round_.pk}/grades/", api_payload(round_),
                         content_type="application/json")
    assert too_soon.status_code in (400, 409)
    assert "grading opens at" in too_soon.content.decode()

    boss, other = clients(interviewer, session), clients(candidate_user, session)
    other.send({"type": "clock", "action": "end_round"})
    assert other.receive_type("error")["code"] == "forbidden"
    boss.send({"type": "clock", "action": "end_round"})
    event = other.receive_type("event")
    assert event["kind"] == "clock" and event["payload"]["ended"] is True

    round_ = Round.objects.get(pk=round_.pk)
    assert round_.ended_early_at is not None
    filed = http.post(f"/api/rounds/{round_.pk}/grades/", api_payload(round_),
                      content_type="application/json")
    assert filed.status_code == 201, filed.content
    http.force_login(candidate_user)
    page = http.get(f"/grading/round/{round_.pk}/grade/").content.decode()
    assert 'data-testid="grading-opens"' not in page

    boss.send({"type": "clock", "action": "end_round"})
    assert boss.receive_type("error")["message"] == "This round has already ended."
