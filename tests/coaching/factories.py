"""Past mock rounds with both grades, for the progress and roster tests.

`graded_round` files the two grades through the grading service (its validation and
freezing included); `bulk_history` writes many rounds at once for the query-count tests.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from coaching.models import CoachLink
from companies.models import Company, Question
from interviews.models import MockSession, Round
from scoring.models import Grade, RubricScore
from scoring.services import BulletInput, GradeInput, grade_submit
from scoring.subjects import subject_for_round

SELF_KEYS = ("clarify", "quantify", "commit", "drill-deep", "cover-operations")


def link(coach, candidate, **shares) -> CoachLink:
    return CoachLink.objects.create(
        coach=coach, candidate=candidate, started_by="candidate", status="active",
        accepted_at=timezone.now(), **{f"share_{k}": v for k, v in shares.items()})


def generic_question(company_slug: str) -> Question:
    """A design question of the company that is graded on the generic rubric."""
    return (Question.objects.filter(companies__slug=company_slug, type="design", rubric=[])
            .order_by("slug").first())


def past_round(candidate, interviewer, *, company: Company, question: Question,
               days_ago: float, target: str = "staff",
               status: str = MockSession.Status.COMPLETED) -> Round:
    starts_at = timezone.now() - timedelta(days=days_ago)
    session = MockSession.objects.create(
        participant_a=interviewer, participant_b=candidate, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90), status=status, company=company)
    return Round.objects.create(session=session, number=1, interviewer=interviewer,
                                candidate=candidate, question=question, company=company,
                                target_level=target, starts_at=starts_at, minutes=45)


def level_named(round_: Round, altitude: str) -> str:
    """A level name on the round company's ladder at that altitude (its highest)."""
    return {a: n for n, a in subject_for_round(round_).ladder}[altitude]


def grade_input(round_: Round, *, verdict: str, scores: dict[str, str],
                answers: dict[str, str] | None = None, default: str = "senior") -> GradeInput:
    subject = subject_for_round(round_)
    return GradeInput(
        did_well=[BulletInput("Asked about load before drawing.")],
        missing=[BulletInput("No cost to the team.")],
        level=level_named(round_, verdict), decision="yes", swing="Org cost.",
        rubric={d.key: scores.get(d.key, default) for d in subject.dimensions},
        self_grade={k: {"answer": (answers or {}).get(k, "partly"), "note": ""}
                    for k in SELF_KEYS},
        checklist={"derived-number": True})


def graded_round(candidate, interviewer, *, company: Company, question: Question,
                 days_ago: float, peer_verdict: str, self_verdict: str,
                 peer_scores: dict[str, str], self_scores: dict[str, str] | None = None,
                 answers: dict[str, str] | None = None, target: str = "staff") -> Round:
    """A past round graded by both sides through `grade_submit`; dimensions left out of
    the score dicts get 'senior'."""
    round_ = past_round(candidate, interviewer, company=company, question=question,
                        days_ago=days_ago, target=target)
    grade_submit(round_=round_, author=interviewer,
                 data=grade_input(round_, verdict=peer_verdict, scores=peer_scores))
    grade_submit(round_=round_, author=candidate,
                 data=grade_input(round_, verdict=self_verdict, scores=self_scores or {},
                                  answers=answers))
    return round_


def bulk_history(candidate, interviewer, *, n: int, company: Company, question: Question,
                 dimensions: list[str], start_days_ago: float = 400) -> None:
    """`n` past rounds with both grades and scores on every dimension, written in bulk."""
    ladder = {level.altitude: level.name for level in company.levels.order_by("rank")}
    altitudes = [a for a in ("junior", "senior", "staff", "principal") if a in ladder]
    now = timezone.now()
    sessions, rounds = [], []
    for i in range(n):
        starts_at = now - timedelta(days=start_days_ago - i * (start_days_ago - 1) / max(n, 1))
        sessions.append(MockSession(participant_a=interviewer, participant_b=candidate,
                                    starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                                    status=MockSession.Status.COMPLETED, company=company))
    MockSession.objects.bulk_create(sessions)
    for session in sessions:
        rounds.append(Round(session=session, number=1, interviewer=interviewer,
                            candidate=candidate, question=question, company=company,
                            target_level="staff", starts_at=session.starts_at, minutes=45))
    Round.objects.bulk_create(rounds)
    grades = []
    for i, round_ in enumerate(rounds):
        altitude = altitudes[i % len(altitudes)]
        for kind, author in ((Grade.Kind.PEER, interviewer), (Grade.Kind.SELF, candidate)):
            grades.append(Grade(kind=kind, round=round_, author=author, level=ladder[altitude],
                                level_altitude=altitude, decision="yes", swing="-",
                                self_grade={k: {"answer": "yes", "note": ""} for k in SELF_KEYS},
                                frozen_at=now))
    Grade.objects.bulk_create(grades)
    RubricScore.objects.bulk_create(
        RubricScore(grade=grade, dimension=key, altitude=grade.level_altitude)
        for grade in grades for key in dimensions)
