"""A mock round that has ended, transcript lines, the example fixture and grade payloads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from interviews.models import (
    Booking,
    InterviewerNotes,
    MockSession,
    Round,
    SpeakerRole,
    TranscriptSegment,
)
from scoring.subjects import subject_for_round
from tests.interviews.conftest import (  # noqa: F401  (fixtures used by these tests)
    booked_session,
    post_request,
    slot,
    tasks_run_in_this_process,
    window,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def move_to_past(session: MockSession, *, hours_ago: float = 3) -> MockSession:
    """Put a booked mock in the past so its rounds can be graded; its people's time is
    freed with it, so a later booking may take the mock's old slot."""
    start = timezone.now() - timedelta(hours=hours_ago)
    shift = start - session.starts_at
    MockSession.objects.filter(pk=session.pk).update(starts_at=start,
                                                     ends_at=session.ends_at + shift)
    Booking.objects.filter(session=session).update(starts_at=F("starts_at") + shift,
                                                   ends_at=F("ends_at") + shift)
    for round_ in session.rounds.all():
        Round.objects.filter(pk=round_.pk).update(starts_at=round_.starts_at + shift)
    session.refresh_from_db()
    return session


def add_segment(round_, role, start, text):
    speaker = round_.interviewer if role == SpeakerRole.INTERVIEWER else round_.candidate
    return TranscriptSegment.objects.create(
        round=round_, speaker=speaker, role=role, start_seconds=start, end_seconds=start + 5,
        text=text, source_key=f"test-{speaker.pk}")


@pytest.fixture
def ended_round(booked_session):  # noqa: F811  (the fixture imported above)
    """Round 1 (peer interviews candidate) of a mock that ended, with a short transcript
    and the interviewer's room notes."""
    move_to_past(booked_session)
    round_ = booked_session.rounds.select_related("company", "question").get(number=1)
    add_segment(round_, SpeakerRole.INTERVIEWER, 0, "Design the system in the prompt.")
    add_segment(round_, SpeakerRole.CANDIDATE, 20, "First, how many users and what latency?")
    add_segment(round_, SpeakerRole.CANDIDATE, 130.4, "That is about 460 requests a second.")
    add_segment(round_, SpeakerRole.CANDIDATE, 305, "If the store times out we serve a cache.")
    InterviewerNotes.objects.create(round=round_, text="Asked good questions early.")
    return round_


@pytest.fixture
def examples(bank):
    call_command("load_examples", "--dir", str(FIXTURES), verbosity=0)


def ladder_levels(round_) -> dict[str, str]:
    """altitude -> a level name on the round's ladder."""
    return {a: n for n, a in reversed(subject_for_round(round_).ladder)}


def api_payload(round_, *, level_altitude="senior", cites=(), rubric_altitude="senior",
                **overrides) -> dict:
    subject = subject_for_round(round_)
    payload = {
        "did_well": [{"text": "Asked about load and latency before drawing.",
                      "cites": list(cites)}],
        "missing": [{"text": "No cost to the team was discussed.", "cites": []}],
        "verdict": {"level": ladder_levels(round_)[level_altitude], "qualifier": "strong",
                    "decision": "yes", "swing": "Org cost and an evolution path."},
        "rubric": {d.key: rubric_altitude for d in subject.dimensions},
        "self_grade": {q["key"]: {"answer": "partly", "note": "some"}
                       for q in subject.self_grade_questions},
        "checklist": {"derived-number": True, "failure-mode-mitigation": True,
                      "org-team-cost": False, "prompt-pushback": False},
        "notes": "",
    }
    payload.update(overrides)
    return payload


def form_data(round_or_subject, *, level: str, did_well=(("Asked about load first.", ""),),
              missing=(("No team cost.", ""),), rubric_altitude="senior", decision="yes",
              swing="Org cost would have moved it.", checklist=("derived-number",)) -> dict:
    subject = (round_or_subject if hasattr(round_or_subject, "dimensions")
               else subject_for_round(round_or_subject))
    data = {"level": level, "qualifier": "", "decision": decision, "swing": swing,
            "closest_column": "", "notes": ""}
    for section, bullets in (("did_well", did_well), ("missing", missing)):
        for index, (text, cites) in enumerate(bullets):
            data[f"{section}-{index}-text"] = text
            data[f"{section}-{index}-cites"] = cites
    for dimension in subject.dimensions:
        data[f"rubric-{dimension.key}"] = rubric_altitude
    for question in subject.self_grade_questions:
        data[f"sg-{question['key']}-answer"] = "yes"
        data[f"sg-{question['key']}-note"] = ""
    for key in checklist:
        data[f"cl-{key}"] = "on"
    return data
