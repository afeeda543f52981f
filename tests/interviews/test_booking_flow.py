"""Matching open requests into sessions, invitations, cancelling, moving and swapping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from accounts.models import Profile
from companies.models import Company, Question
from interviews import services
from interviews.models import Booking, LateCancellation, MockRequest, MockSession, Round
from interviews.selectors import reliability_score
from tests.interviews.conftest import post_request, window


def ics_events(message):
    events = []
    for name, content, mimetype in message.attachments:
        assert name.endswith(".ics") and mimetype.startswith("text/calendar")
        events += list(Calendar.from_ical(content).walk("VEVENT"))
    return events


@pytest.fixture
def matched(bank, candidate, peer, slot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = post_request(candidate, [window(slot, 3)], level="senior")
        second = post_request(peer, [window(slot + timedelta(hours=1), 3)], level="staff")
    with django_capture_on_commit_callbacks(execute=True):
        sessions = services.match_open_requests()
    assert len(sessions) == 1
    return sessions[0], first, second


def test_overlapping_requests_become_one_session_with_swapped_rounds(matched, candidate, peer,
                                                                     slot):
    session, first, second = matched
    assert session.starts_at == slot + timedelta(hours=1)
    assert session.ends_at - session.starts_at == timedelta(minutes=90)
    rounds = list(session.rounds.order_by("number"))
    assert [(r.interviewer, r.candidate) for r in rounds] == [(candidate, peer),
                                                              (peer, candidate)]
    assert rounds[1].starts_at == rounds[0].starts_at + timedelta(minutes=45)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == MockRequest.Status.MATCHED
    meta = Company.objects.get(slug="meta").name
    assert session.explanation.startswith(f"both target {meta} (E5 and E6)")
    assert "overlap Mon 19:00-21:00 UTC" in session.explanation


def test_each_round_gets_a_fitting_question(matched, candidate, peer):
    session, _, _ = matched
    for round_ in session.rounds.all():
        question = round_.question
        assert question.type in ("design", "debug", "drill", "oncall", "behavioral")
        wanted_level = "staff" if round_.candidate == peer else "senior"
        assert round_.target_level == wanted_level
        assert wanted_level in question.levels
    assert session.rounds.values("question").distinct().count() == 2


def test_both_get_an_email_with_a_valid_invitation(matched, candidate, peer):
    session, _, _ = matched
    assert sorted(m.to[0] for m in mail.outbox) == sorted([candidate.email, peer.email])
    for message in mail.outbox:
        (event,) = ics_events(message)
        assert str(event["uid"]) == f"mock-{session.uid}@mockloop"
        assert event.decoded("dtstart") == session.starts_at
        assert event.decoded("dtend") == session.ends_at
        assert int(event["sequence"]) == 0


def test_a_reschedule_updates_the_same_calendar_event(matched, candidate, peer,
                                                      django_capture_on_commit_callbacks):
    session, _, _ = matched
    mail.outbox.clear()
    new_start = session.starts_at + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_reschedule(session=session, by=candidate, starts_at=new_start)
    assert len(mail.outbox) == 2
    event = ics_events(mail.outbox[0])[0]
    assert str(event["uid"]) == f"mock-{session.uid}@mockloop"
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == new_start
    assert Booking.objects.get(session=session, user=peer).starts_at == new_start
    assert session.rounds.get(number=2).starts_at == new_start + timedelta(minutes=45)


def test_a_reschedule_onto_a_booked_time_is_refused_and_changes_nothing(
        matched, candidate, peer, outsider, bank, slot):
    session, _, _ = matched
    other = MockSession.objects.create(participant_a=peer, participant_b=outsider,
                                       starts_at=slot + timedelta(days=2),
                                       ends_at=slot + timedelta(days=2, minutes=90))
    Booking.objects.create(user=peer, session=other, starts_at=other.starts_at,
                           ends_at=other.ends_at)
    before = session.starts_at
    with pytest.raises(services.BookingError, match="already has a mock"):
        services.session_reschedule(session=session, by=candidate,
                                    starts_at=other.starts_at + timedelta(minutes=30))
    session.refresh_from_db()
    assert session.starts_at == before and session.calendar_sequence == 0


def test_cancelling_tells_the_peer_and_reopens_their_request(
        matched, candidate, peer, django_capture_on_commit_callbacks):
    session, first, second = matched
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=candidate)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == MockRequest.Status.OPEN
    assert first.status == MockRequest.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([peer.email, candidate.email])
    to_peer = next(m for m in mail.outbox if m.to == [peer.email])
    assert "cancelled the mock" in to_peer.body and "open again" in to_peer.body
    for message in mail.outbox:
        (event,) = ics_events(message)
        assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1
        assert str(event["uid"]) == f"mock-{session.uid}@mockloop"
    assert not Booking.objects.filter(session=session, active=True).exists()
    # Far from the start: no cost to reliability.
    assert reliability_score(candidate) == 100


def test_a_reopened_request_leaves_out_times_the_peer_has_offered_since(
        matched, candidate, peer, slot):
    session, _, second = matched  # the peer's request offers slot+1h to slot+4h
    newer = post_request(peer, [window(slot + timedelta(hours=3), 3)])
    services.session_cancel(session=session, by=candidate)
    second.refresh_from_db()
    assert second.status == MockRequest.Status.OPEN
    assert [(w.starts_at, w.ends_at) for w in second.windows.all()] == [
        (slot + timedelta(hours=1), slot + timedelta(hours=3))]
    assert newer.windows.get().starts_at == slot + timedelta(hours=3)  # untouched


def test_a_reopened_request_whose_times_are_all_offered_again_expires(
        matched, candidate, peer, slot, client, django_capture_on_commit_callbacks):
    session, _, second = matched
    post_request(peer, [window(slot + timedelta(minutes=30), 4)])  # leaves 30 minutes
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=candidate)
    second.refresh_from_db()
    assert second.status == MockRequest.Status.EXPIRED
    assert second.windows.count() == 1  # kept as it was, for the dashboard
    to_peer = next(m for m in mail.outbox if m.to == [peer.email])
    assert "not reopened" in to_peer.body and "open again" not in to_peer.body
    client.force_login(peer)
    page = client.get(reverse("interviews:dashboard")).content.decode()
    assert f"Request #{second.pk} expired" in page
    assert "offered by your other open requests" in page and "passed without" not in page


def test_a_late_cancellation_lowers_reliability(matched, candidate):
    session, _, _ = matched
    services.session_cancel(session=session, by=candidate,
                            now=session.starts_at - timedelta(hours=2))
    assert LateCancellation.objects.filter(user=candidate).count() == 1
    assert reliability_score(candidate) == 90


def test_the_interviewer_can_swap_the_question_before_the_round(matched, candidate, peer):
    session, _, _ = matched
    round_one = session.rounds.get(number=1)
    old = round_one.question_id
    services.round_swap_question(round_=round_one, by=candidate)
    round_one.refresh_from_db()
    assert round_one.question_id != old
    with pytest.raises(services.BookingError, match="Only this round's interviewer"):
        services.round_swap_question(round_=round_one, by=peer)
    with pytest.raises(services.BookingError, match="has started"):
        services.round_swap_question(round_=round_one, by=candidate,
                                     now=round_one.starts_at + timedelta(minutes=1))


def test_a_candidate_never_gets_a_question_they_have_seen(bank, candidate, peer, outsider,
                                                          slot):
    request = post_request(candidate, [window(slot, 3)], types=("drill",))
    drills = list(Question.objects.filter(type="drill"))
    earlier = MockSession.objects.create(participant_a=candidate, participant_b=outsider,
                                         starts_at=slot - timedelta(days=30),
                                         ends_at=slot - timedelta(days=30, minutes=-90))
    for number, question in enumerate(drills[:-1], start=1):
        # Seen as candidate or as interviewer: both count.
        interviewer, seen_by = (outsider, candidate) if number % 2 else (candidate, outsider)
        Round.objects.create(session=earlier, number=number, interviewer=interviewer,
                             candidate=seen_by, question=question, target_level="senior",
                             starts_at=earlier.starts_at, minutes=45)
    picked = services.pick_question(candidate_request=request, interviewer=peer,
                                    company=None, now=slot)
    assert picked == drills[-1]


def test_the_interviewer_is_not_given_a_question_they_ask_this_week(bank, candidate, peer,
                                                                    outsider, slot):
    request = post_request(candidate, [window(slot, 3)], types=("oncall",))
    oncall = list(Question.objects.filter(type="oncall").order_by("slug"))
    this_week = MockSession.objects.create(participant_a=peer, participant_b=outsider,
                                           starts_at=slot - timedelta(days=2),
                                           ends_at=slot - timedelta(days=2, minutes=-90))
    for number, question in enumerate(oncall[:-1], start=1):
        Round.objects.create(session=this_week, number=number, interviewer=peer,
                             candidate=outsider, question=question, target_level="senior",
                             starts_at=this_week.starts_at, minutes=45)
    for _ in range(5):
        picked = services.pick_question(candidate_request=request, interviewer=peer,
                                        company=None, now=slot)
        assert picked == oncall[-1]


def test_reminders_go_out_once_at_24_hours_and_15_minutes(matched):
    session, _, _ = matched
    mail.outbox.clear()
    assert services.send_due_reminders(now=session.starts_at - timedelta(hours=30)) == 0
    assert services.send_due_reminders(now=session.starts_at - timedelta(hours=23)) == 1
    assert services.send_due_reminders(now=session.starts_at - timedelta(hours=22)) == 0
    assert services.send_due_reminders(now=session.starts_at - timedelta(minutes=14)) == 1
    assert services.send_due_reminders(now=session.starts_at - timedelta(minutes=10)) == 0
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count("Reminder: your mock starts in 24 hours") == 2
    assert subjects.count("Reminder: your mock starts in 15 minutes") == 2


def test_paused_users_cannot_post_and_are_told_until_when(bank, candidate, slot):
    profile = Profile.objects.get(user=candidate)
    profile.matching_paused_until = slot + timedelta(days=3)
    profile.matching_pause_reason = "2 missed mocks in the last 30 days."
    profile.save()
    with pytest.raises(services.BookingError, match="paused until .* 2 missed mocks"):
        post_request(candidate, [window(slot, 3)])
    assert not MockRequest.objects.exists()
