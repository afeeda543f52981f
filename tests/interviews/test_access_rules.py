"""The rules of interviews.access that a route matrix cannot show on its own: when a round
counts as started, and blind grading for each kind of viewer."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from interviews.access import round_access, round_has_started
from interviews.models import RoomState
from scoring.services import grade_submit
from tests.coaching.factories import grade_input, link


def test_a_round_starts_at_its_time_or_when_the_room_starts_it_early(booked_session):
    first, second = booked_session.rounds.order_by("number")
    candidate = first.candidate
    assert not round_access(candidate, first).question
    assert round_access(first.interviewer, first).question  # the interviewer prepares

    state = RoomState.objects.create(session=booked_session, phases=[])
    assert not round_has_started(first, state=state)  # the room open, the clock not started
    state.running = True
    assert round_has_started(first, state=state)
    assert not round_has_started(second, state=state)
    state.active_round, state.running, state.round_seconds = 2, False, 0
    assert round_has_started(first, state=state) and not round_has_started(second, state=state)
    state.round_seconds = 3
    assert round_has_started(second, state=state)
    assert round_has_started(second, state=None, now=second.starts_at + timedelta(seconds=1))


def test_blind_grading_binds_participants_and_coaches(booked_session, coach):
    round_ = booked_session.rounds.get(number=1)
    later = round_.ends_at + timedelta(minutes=1)
    link(coach, round_.candidate)  # shares grades and reports
    grade_submit(round_=round_, author=round_.interviewer, now=later,
                 data=grade_input(round_, verdict="staff", scores={}))

    def sees(user, kind):
        return round_access(user, round_, now=later).grade(kind)

    assert sees(round_.interviewer, "peer")
    assert not sees(round_.candidate, "peer")
    assert not sees(coach, "peer")  # the candidate could not read it yet: neither may the coach
    grade_submit(round_=round_, author=round_.candidate, now=later,
                 data=grade_input(round_, verdict="senior", scores={}))
    assert sees(round_.candidate, "peer") and sees(coach, "peer") and sees(coach, "self")
    assert sees(round_.interviewer, "self")


def test_a_coach_without_shares_sees_nothing(booked_session, coach):
    round_ = booked_session.rounds.get(number=1)
    link(coach, round_.candidate, grades=False, reports=False, transcripts=False,
         upcoming=False)
    access = round_access(coach, round_, now=timezone.now())
    assert not access.exists
    assert not (access.report or access.transcript or access.recording or access.grades)
