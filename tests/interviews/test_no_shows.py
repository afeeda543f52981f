"""No-shows: reports, reliability, pauses after repeats, disputes and standby peers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Profile
from accounts.services import user_create
from companies.models import RoleTrack
from interviews import services
from interviews.models import MockSession, NoShowReport, StandbyOffer
from interviews.selectors import reliability_score
from tests.interviews.conftest import post_request, window


def book(candidate, peer, start):
    post_request(candidate, [window(start, 2)])
    post_request(peer, [window(start, 2)])
    (session,) = services.match_open_requests()
    return session


@pytest.fixture
def session(bank, candidate, peer, slot):
    return book(candidate, peer, slot)


def test_a_no_show_can_only_be_reported_after_the_start(session, candidate):
    with pytest.raises(services.BookingError, match="once the mock has started"):
        services.no_show_report(session=session, reporter=candidate,
                                now=session.starts_at - timedelta(minutes=5))
    assert not NoShowReport.objects.exists()


def test_a_reported_no_show_lowers_the_absent_peers_reliability(session, candidate, peer):
    services.no_show_report(session=session, reporter=candidate,
                            now=session.starts_at + timedelta(minutes=10))
    session.refresh_from_db()
    assert session.status == MockSession.Status.NO_SHOW
    assert reliability_score(peer) == 75
    assert reliability_score(candidate) == 100
    with pytest.raises(services.BookingError, match="peer did not come"):
        services.no_show_report(session=session, reporter=peer,
                                now=session.starts_at + timedelta(minutes=11))


def test_only_participants_may_report(session, outsider):
    with pytest.raises(services.BookingError, match="not part of this mock"):
        services.no_show_report(session=session, reporter=outsider,
                                now=session.starts_at + timedelta(minutes=10))


def test_repeated_no_shows_pause_matching_with_a_reason(bank, candidate, peer, slot):
    for week in range(2):
        session = book(candidate, peer, slot + timedelta(days=7 * week))
        services.no_show_report(session=session, reporter=candidate,
                                now=session.starts_at + timedelta(minutes=10))
    profile = Profile.objects.get(user=peer)
    assert profile.matching_paused_until is not None
    assert "2 missed mocks" in profile.matching_pause_reason
    with pytest.raises(services.BookingError, match="paused until"):
        post_request(peer, [window(slot + timedelta(days=20), 2)])


def test_a_disputed_report_stops_counting(session, candidate, peer):
    services.no_show_report(session=session, reporter=candidate,
                            now=session.starts_at + timedelta(minutes=10))
    report = NoShowReport.objects.get()
    with pytest.raises(services.BookingError, match="Only the person reported absent"):
        services.no_show_dispute(report=report, by=candidate, note="no")
    with pytest.raises(services.BookingError, match="Say briefly"):
        services.no_show_dispute(report=report, by=peer, note="  ")
    services.no_show_dispute(report=report, by=peer, note="I was in the room; audio broke.")
    assert reliability_score(peer) == 100


def test_the_one_who_came_is_offered_a_standby_peer(session, candidate, peer, slot):
    helper = user_create(username="helper", email="helper@example.test",
                         password="x-very-long-pass-1").user
    profile = helper.profile
    profile.target_level = "senior"
    profile.role_track = RoleTrack.objects.get(slug="ml-engineer")
    profile.save()
    now = session.starts_at + timedelta(minutes=5)
    services.standby_set(user=helper, hours=3, now=now - timedelta(minutes=30))
    offer = services.no_show_report(session=session, reporter=candidate, now=now)
    assert offer is not None and offer.standby_user == helper
    with pytest.raises(services.BookingError, match="not yours"):
        services.standby_offer_accept(offer=offer, by=peer, now=now)
    new_session = services.standby_offer_accept(offer=offer, by=candidate, now=now)
    assert {new_session.participant_a, new_session.participant_b} == {candidate, helper}
    assert new_session.starts_at - now <= timedelta(minutes=1)
    assert new_session.rounds.count() == 2
    offer.refresh_from_db()
    assert offer.status == StandbyOffer.Status.ACCEPTED
    with pytest.raises(services.BookingError, match="already answered"):
        services.standby_offer_accept(offer=offer, by=candidate, now=now)


def test_no_standby_offer_when_nobody_fits(session, candidate):
    offer = services.no_show_report(session=session, reporter=candidate,
                                    now=session.starts_at + timedelta(minutes=5))
    assert offer is None


def test_standby_hours_are_bounded(candidate):
    with pytest.raises(services.BookingError, match="1 to 12 hours"):
        services.standby_set(user=candidate, hours=48)
