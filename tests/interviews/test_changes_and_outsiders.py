"""Moving mocks, re-checking matches at booking time, swapping questions by name, and
every remaining booking endpoint refusing people who are not part of it."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from accounts.services import user_create
from companies.models import Question
from interviews import matching, services
from interviews.models import LateCancellation, MockRequest, MockSession, NoShowReport
from tests.interviews.conftest import post_request, window


@pytest.fixture
def session(bank, candidate, peer, slot):
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    (session,) = services.match_open_requests()
    return session


def test_a_mock_cannot_move_within_a_day_of_its_start(session, candidate):
    with pytest.raises(services.BookingError, match="can no longer move; cancel it instead"):
        services.session_reschedule(session=session, by=candidate,
                                    starts_at=session.starts_at + timedelta(days=2),
                                    now=session.starts_at - timedelta(hours=3))
    session.refresh_from_db()
    assert session.calendar_sequence == 0


def test_cancelling_a_mock_the_peer_moved_is_not_late(session, candidate, peer):
    new_start = session.starts_at + timedelta(hours=30)
    services.session_reschedule(session=session, by=candidate, starts_at=new_start,
                                now=session.starts_at - timedelta(days=1, hours=1))
    services.session_cancel(session=session, by=peer, now=new_start - timedelta(hours=3))
    assert not LateCancellation.objects.exists()


def test_the_page_reads_a_new_start_in_the_users_time_zone(client, session, candidate):
    profile = candidate.profile
    profile.time_zone = "Europe/Berlin"
    profile.save()
    client.force_login(candidate)
    local = (session.starts_at + timedelta(days=3)).replace(hour=9, minute=30)
    client.post(f"/mocks/session/{session.pk}/reschedule/",
                {"starts_at": local.strftime("%Y-%m-%dT%H:%M")})
    session.refresh_from_db()
    # 09:30 in Berlin in winter is 08:30 UTC.
    assert session.starts_at == local.replace(hour=8, tzinfo=UTC)


def test_a_request_edited_after_the_snapshot_is_not_booked(bank, candidate, peer, slot):
    first = post_request(candidate, [window(slot, 2)])
    second = post_request(peer, [window(slot, 2)])
    now = datetime.now(UTC)
    (match,) = matching.find_matches(services._open_requests_for_matcher(now), now=now,
                                     rules=services.match_rules())
    later = slot + timedelta(days=2)
    services.mock_request_update(request=second, data=services.RequestInput(
        companies=list(second.companies.all()), target_level="senior",
        role_track=second.role_track, question_types=["any"], focus_areas=[],
        windows=[window(later, 2)]))
    assert services.session_book(match=match, now=now) is None
    assert not MockSession.objects.exists()
    first.refresh_from_db()
    assert first.status == MockRequest.Status.OPEN


def test_a_named_swap_must_fit_the_candidate(session, candidate):
    round_one = session.rounds.get(number=1)
    too_easy = Question.objects.exclude(level_tags__contains=f",{round_one.target_level},")\
        .filter(type="design").first()
    with pytest.raises(services.BookingError, match="does not suit"):
        services.round_swap_question(round_=round_one, by=candidate, question=too_easy)
    concept = Question.objects.filter(type="concept").first()
    with pytest.raises(services.BookingError, match="asked for"):
        services.round_swap_question(round_=round_one, by=candidate, question=concept)


def test_a_mock_booked_less_than_a_day_ahead_gets_no_day_before_reminder(session):
    MockSession.objects.filter(pk=session.pk).update(
        created_at=session.starts_at - timedelta(hours=5))
    mail.outbox.clear()
    assert services.send_due_reminders(now=session.starts_at - timedelta(hours=4)) == 0
    assert services.send_due_reminders(now=session.starts_at - timedelta(minutes=10)) == 1


def test_outsiders_cannot_touch_anything(client, session, candidate, peer, outsider, slot):
    request = post_request(candidate, [window(slot + timedelta(days=3), 2)])
    services.no_show_report(session=session, reporter=candidate,
                            now=session.starts_at + timedelta(minutes=5))
    report = NoShowReport.objects.get()
    helper = user_create(username="helper", email="h@example.test", password="pw-long-9x").user
    offer = session.standby_offers.create(offered_to=candidate, standby_user=helper)
    client.force_login(outsider)
    posts = {
        f"/mocks/request/{request.pk}/edit/": {"target_level": "junior"},
        f"/mocks/session/{session.pk}/reschedule/": {"starts_at": "2030-01-01T10:00"},
        f"/mocks/standby/offer/{offer.pk}/accept/": {},
        f"/mocks/no-show/{report.pk}/dispute/": {"note": "I was there"},
        f"/api/sessions/{session.pk}/reschedule/": {"starts_at": "2030-01-01T10:00:00Z"},
        f"/api/standby/offers/{offer.pk}/accept/": {},
        f"/api/no-shows/{report.pk}/dispute/": {"note": "I was there"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    put = client.put(f"/api/mock-requests/{request.pk}/", {"target_level": "junior"},
                     content_type="application/json")
    assert put.status_code == 404
    request.refresh_from_db()
    report.refresh_from_db()
    offer.refresh_from_db()
    assert request.target_level == "senior" and not report.disputed
    assert offer.status == "offered"


def test_the_absent_peer_disputes_through_the_api(client, session, candidate, peer):
    services.no_show_report(session=session, reporter=candidate,
                            now=session.starts_at + timedelta(minutes=5))
    report = NoShowReport.objects.get()
    client.force_login(peer)
    empty = client.post(f"/api/no-shows/{report.pk}/dispute/", {"note": ""})
    assert empty.status_code == 400 and "note" in empty.json()["error"]["fields"]
    ok = client.post(f"/api/no-shows/{report.pk}/dispute/", {"note": "My mic died."})
    assert ok.json() == {"id": report.pk, "disputed": True}


def test_the_dashboard_shows_reliability_and_a_pause(client, candidate, bank):
    profile = candidate.profile
    profile.matching_paused_until = datetime(2031, 1, 1, tzinfo=UTC)
    profile.matching_pause_reason = "2 missed mocks in the last 30 days."
    profile.save()
    client.force_login(candidate)
    page = html.unescape(client.get("/mocks/").content.decode())
    assert 'data-testid="reliability">100<' in page
    assert "paused until" in page, page[page.find("<main"):page.find("<main") + 600]
    assert "2031" in page and "2 missed mocks" in page


def test_the_dashboard_runs_a_fixed_number_of_queries(client, candidate, peer, bank, slot,
                                                      django_assert_max_num_queries):
    for week in range(4):
        post_request(candidate, [window(slot + timedelta(days=7 * week), 2)])
        post_request(peer, [window(slot + timedelta(days=7 * week), 2)])
    services.match_open_requests()
    for week in range(4, 7):
        post_request(candidate, [window(slot + timedelta(days=7 * week), 2)])
    client.force_login(candidate)
    with django_assert_max_num_queries(25):
        assert client.get("/mocks/").status_code == 200
