"""A question graded below the candidate's target comes back three days later: on the
dashboard, by email, and first in the candidate's next match; the delta is shown."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from interviews import services as booking
from scoring.models import Reattempt
from scoring.tasks import send_reattempt_reminders
from tests.scoring.conftest import add_segment, form_data, move_to_past, post_request, window


@pytest.fixture
def staff_round(bank, candidate, peer, slot):
    """Round 1 of an ended mock where `candidate` targets staff at Meta."""
    post_request(candidate, [window(slot, 2)], level="staff")
    post_request(peer, [window(slot, 2)], level="staff")
    (session,) = booking.match_open_requests()
    move_to_past(session, hours_ago=3)
    round_ = session.rounds.get(number=1)
    add_segment(round_, "candidate", 20, "Let me size it first.")
    return round_


def grade_round(client, round_, *, peer_level):
    client.force_login(round_.interviewer)
    assert client.post(f"/grading/round/{round_.pk}/grade/",
                       form_data(round_, level=peer_level)).status_code == 302
    client.force_login(round_.candidate)
    assert client.post(f"/grading/round/{round_.pk}/grade/",
                       form_data(round_, level="E6")).status_code == 302


def test_a_grade_below_target_schedules_a_reattempt_once_both_grades_are_in(client,
                                                                            staff_round):
    client.force_login(staff_round.interviewer)
    client.post(f"/grading/round/{staff_round.pk}/grade/", form_data(staff_round, level="E5"))
    assert not Reattempt.objects.exists()  # nothing may hint at the verdict yet
    client.force_login(staff_round.candidate)
    before = timezone.now()
    client.post(f"/grading/round/{staff_round.pk}/grade/", form_data(staff_round, level="E6"))
    reattempt = Reattempt.objects.get()
    assert (reattempt.candidate, reattempt.question_id, reattempt.graded_altitude,
            reattempt.target_level) == (staff_round.candidate, staff_round.question_id,
                                        "senior", "staff")
    assert before + timedelta(days=3) <= reattempt.due_at <= timezone.now() + timedelta(days=3)
    dashboard = client.get("/mocks/").content.decode()
    assert staff_round.question.title in dashboard
    assert "graded senior against your staff target" in dashboard


def test_a_grade_at_target_schedules_nothing(client, staff_round):
    grade_round(client, staff_round, peer_level="E6")
    assert not Reattempt.objects.exists()


def test_the_reminder_goes_out_once_when_due(client, staff_round,
                                             django_capture_on_commit_callbacks):
    grade_round(client, staff_round, peer_level="E5")
    assert send_reattempt_reminders.delay().get() == 0  # not due yet
    Reattempt.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reattempt_reminders.delay().get() == 1
    (email,) = mail.outbox
    assert email.to == [staff_round.candidate.email]
    assert email.subject == f"Time to re-attempt: {staff_round.question.title}"
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reattempt_reminders.delay().get() == 0
    assert len(mail.outbox) == 1
    assert settings.CELERY_BEAT_SCHEDULE["send-reattempt-reminders"]["task"] == \
        "scoring.send_reattempt_reminders"


def _next_match(candidate, other, *, days_ahead: float):
    start = (timezone.now() + timedelta(days=days_ahead)).replace(minute=0, second=0,
                                                                  microsecond=0)
    post_request(candidate, [window(start, 2)], level="staff")
    post_request(other, [window(start, 2)], level="staff")
    (session,) = booking.match_open_requests()
    return session.rounds.get(candidate=candidate)


def test_the_next_match_asks_the_due_question_and_the_report_shows_the_delta(
        client, staff_round, outsider):
    grade_round(client, staff_round, peer_level="E5")
    reattempt = Reattempt.objects.get()
    retry = _next_match(staff_round.candidate, outsider, days_ahead=4)
    assert retry.starts_at >= reattempt.due_at
    assert retry.question_id == staff_round.question_id
    move_to_past(retry.session, hours_ago=1.5)
    retry.refresh_from_db()
    grade_round(client, retry, peer_level="E6")
    page = client.get(f"/grading/round/{retry.pk}/").content.decode()
    assert "Change since the previous attempt: <b>+1</b>" in page
    assert "graded senior against your staff target" not in client.get("/mocks/").content.decode()


def test_before_it_is_due_the_match_asks_something_new(client, staff_round, outsider):
    grade_round(client, staff_round, peer_level="E5")
    retry = _next_match(staff_round.candidate, outsider, days_ahead=2)
    assert retry.starts_at < Reattempt.objects.get().due_at
    assert retry.question_id != staff_round.question_id


def test_the_dashboard_panel_keeps_its_query_count(client, staff_round,
                                                    django_assert_max_num_queries):
    grade_round(client, staff_round, peer_level="E5")
    client.force_login(staff_round.candidate)
    with django_assert_max_num_queries(15):
        assert client.get("/mocks/").status_code == 200
