"""What people read around a mock: their own time zone and company levels, display names,
and only the actions that can still work."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Profile
from companies.models import Company
from interviews.models import MockSession
from tests.conftest import PASSWORD
from tests.scoring.conftest import move_to_past


def _signup(client, username: str, kind: str, zone: str):
    return client.post("/accounts/signup/", {
        "username": username, "email": f"{username}@example.test", "kind": kind,
        "password1": PASSWORD, "password2": PASSWORD, "time_zone": zone})


def test_sign_up_takes_the_browsers_zone_and_a_coach_lands_on_coaching(client, db):
    response = _signup(client, "kenji", "candidate", "Asia/Tokyo")
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert Profile.objects.get(user__username="kenji").time_zone == "Asia/Tokyo"

    client.logout()
    response = _signup(client, "coach-ann", "coach", "Not/AZone")
    assert response["Location"] == "/coaching/"
    assert Profile.objects.get(user__username="coach-ann").time_zone == "UTC"
    assert client.get("/mocks/")["Location"] == "/coaching/roster/"
    assert "Book a mock" not in client.get("/coaching/").content.decode()


def test_the_profile_names_levels_on_the_target_companies_ladders(client, bank, candidate):
    candidate.profile.target_companies.set([Company.objects.get(slug="meta")])
    client.force_login(candidate)
    body = client.get("/accounts/profile/").content.decode()
    assert "Senior: E5 at Meta" in body


def test_pages_show_local_times_and_display_names(client, booked_session):
    round_ = booked_session.rounds.get(number=1)
    candidate = round_.candidate
    candidate.profile.time_zone = "Asia/Tokyo"
    candidate.profile.save(update_fields=["time_zone"])
    round_.interviewer.profile.display_name = "Priya Peer"
    round_.interviewer.profile.save(update_fields=["display_name"])
    client.force_login(candidate)
    report = client.get(f"/grading/round/{round_.pk}/report.md").content.decode()
    tokyo = timezone.localtime(round_.starts_at, timezone.get_fixed_timezone(9 * 60))
    assert f"{tokyo:%H:%M} JST" in report
    assert "Interviewer: Priya Peer" in report


def test_a_mock_within_a_day_offers_no_move(client, booked_session):
    user = booked_session.participant_a
    client.force_login(user)
    assert "Move the mock" in client.get(booked_session.get_absolute_url()).content.decode()
    soon = timezone.now() + timedelta(minutes=5)
    shift = soon - booked_session.starts_at
    MockSession.objects.filter(pk=booked_session.pk).update(
        starts_at=soon, ends_at=booked_session.ends_at + shift)
    page = client.get(booked_session.get_absolute_url()).content.decode()
    assert "Move the mock" not in page and 'data-testid="no-move"' in page


def test_a_started_mock_is_happening_now_not_upcoming(client, booked_session):
    move_to_past(booked_session, hours_ago=0.2)
    client.force_login(booked_session.participant_a)
    body = client.get("/mocks/").content.decode()
    assert 'data-testid="live-session"' in body
    assert f"/mocks/session/{booked_session.pk}/room/" in body
    assert 'data-testid="session"' not in body
