"""Reads of grades behind their rules: who may see a round's grades, blindness, calibration
and re-attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from interviews.access import RoundAccess, round_access
from interviews.models import MockSession, Round
from scoring import levels
from scoring.models import (
    Citation,
    Example,
    ExampleReveal,
    Grade,
    GradeAmendment,
    Reattempt,
)

ABANDONED = (MockSession.Status.CANCELLED, MockSession.Status.NO_SHOW)


# --- who sees what: decided by interviews.access.round_access --------------------------------


def filed_grade_kinds(round_: Round) -> frozenset[str]:
    """The kinds of grade filed on the round, for the access module's blind-grading rule."""
    return frozenset(Grade.objects.filter(round=round_, kind__in=[Grade.Kind.PEER,
                                                                  Grade.Kind.SELF])
                     .values_list("kind", flat=True))


def graded_rows(queryset: QuerySet[Grade]) -> QuerySet[Grade]:
    """Grades with everything a report shows, in a fixed number of queries."""
    return queryset.select_related("author__profile").prefetch_related(
        "scores", "annotations",
        Prefetch("amendments", queryset=GradeAmendment.objects.select_related("author")),
        "bullets",
        Prefetch("bullets__citations",
                 queryset=Citation.objects.select_related("segment", "example_line")))


@dataclass
class RoundGrades:
    """A round's grades as one viewer may see them."""

    viewer_kind: str | None  # peer / self for a participant, None for a coach
    own: Grade | None
    peer: Grade | None  # None when missing or still hidden from this viewer
    self_grade: Grade | None
    other_submitted: bool

    @property
    def both_visible(self) -> bool:
        return self.peer is not None and self.self_grade is not None


def round_grades_for_viewer(access: RoundAccess) -> RoundGrades:
    """The round's grades as far as the viewer may see them (blind grading, see
    `RoundAccess.grade`)."""
    grades = {g.kind: g for g in graded_rows(Grade.objects.filter(round=access.round))}
    peer, self_grade = grades.get(Grade.Kind.PEER), grades.get(Grade.Kind.SELF)
    kind = access.own_grade_kind
    own = grades.get(kind) if kind else None
    other = {Grade.Kind.PEER: self_grade, Grade.Kind.SELF: peer}.get(kind)
    return RoundGrades(kind, own,
                       peer if peer is not None and access.grade(Grade.Kind.PEER) else None,
                       self_grade if self_grade is not None and access.grade(Grade.Kind.SELF)
                       else None,
                       other is not None)


def grade_get_for_user(user, grade_id: int) -> Grade:
    """One grade the user may read now; 404 for a grade they may not (yet) see."""
    try:
        grade = graded_rows(Grade.objects.select_related("round", "example")).get(pk=grade_id)
    except (Grade.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such grade.") from None
    if grade.round_id is not None:
        access = round_access(user, grade.round)
        if (access.grades or access.report) and access.grade(grade.kind):
            return grade
    elif grade.kind == Grade.Kind.CALIBRATION:
        if grade.author_id == user.pk:
            return grade
    elif reference_visible_to(user, grade.example):
        return grade
    raise Http404("No such grade.")


# --- examples and calibration -------------------------------------------------------------


def example_list() -> QuerySet[Example]:
    return Example.objects.select_related("company", "question")


def example_get(slug: str) -> Example:
    try:
        return example_list().prefetch_related("lines", "company__levels").get(slug=slug)
    except Example.DoesNotExist:
        raise Http404("No such example.") from None


def calibration_grade_for(user, example: Example) -> Grade | None:
    return graded_rows(Grade.objects.filter(kind=Grade.Kind.CALIBRATION, example=example,
                                            author=user)).first()


def reference_grade(example: Example) -> Grade | None:
    return graded_rows(Grade.objects.filter(kind=Grade.Kind.REFERENCE, example=example)).first()


def reference_visible_to(user, example: Example) -> bool:
    """The reference notes open once the user graded the example blind, or chose to read
    them without calibrating."""
    if not user.is_authenticated:
        return False
    return (Grade.objects.filter(kind=Grade.Kind.CALIBRATION, example=example,
                                 author=user).exists()
            or ExampleReveal.objects.filter(user=user, example=example).exists())


def scores_of(grade: Grade) -> dict[str, str]:
    return {score.dimension: score.altitude for score in grade.scores.all()}


def calibration_of(grade: Grade, reference: Grade) -> levels.Calibration:
    return levels.calibrate(level=grade.level_altitude, rubric=scores_of(grade),
                            reference_level=reference.level_altitude,
                            reference_rubric=scores_of(reference))


@dataclass(frozen=True)
class CalibrationSummary:
    score: int
    examples: int
    bias: float

    @property
    def tendency(self) -> str:
        if self.bias >= 0.25:
            return "grades higher than the reference"
        if self.bias <= -0.25:
            return "grades lower than the reference"
        return "no lean either way"


def calibration_summaries(user_ids) -> dict[int, CalibrationSummary]:
    """Each user's calibration over the examples they graded blind (users with none are
    left out)."""
    user_ids = [uid for uid in user_ids if uid is not None]
    grades = list(Grade.objects.filter(kind=Grade.Kind.CALIBRATION, author_id__in=user_ids)
                  .prefetch_related("scores"))
    references = {g.example_id: g for g in Grade.objects.filter(
        kind=Grade.Kind.REFERENCE, example_id__in={g.example_id for g in grades})
        .prefetch_related("scores")}
    by_user: dict[int, list[levels.Calibration]] = {}
    for grade in grades:
        if grade.example_id in references:
            by_user.setdefault(grade.author_id, []).append(
                calibration_of(grade, references[grade.example_id]))
    return {uid: CalibrationSummary(round(sum(c.score for c in found) / len(found)),
                                    len(found), sum(c.bias for c in found) / len(found))
            for uid, found in by_user.items()}


def calibration_summary(user) -> CalibrationSummary | None:
    return calibration_summaries([user.pk]).get(user.pk)


# --- re-attempts --------------------------------------------------------------------------


def _later_attempt():
    return Round.objects.filter(
        candidate=OuterRef("candidate"), question=OuterRef("question"),
        starts_at__gt=OuterRef("round__starts_at")).exclude(session__status__in=ABANDONED)


def pending_reattempts() -> QuerySet[Reattempt]:
    """Re-attempts not yet taken: no later round gives the candidate that question."""
    return Reattempt.objects.annotate(taken=Exists(_later_attempt())).filter(taken=False)


def reattempt_question_due(*, candidate, now: datetime, types: list[str],
                           exclude_ids: set[int]):
    """The question of the candidate's earliest due re-attempt of a wanted type, if any:
    the matcher asks it before anything new."""
    due = (pending_reattempts().filter(candidate=candidate, due_at__lte=now,
                                       question__type__in=types)
           .exclude(question_id__in=exclude_ids).select_related("question").first())
    return due.question if due else None


@dataclass
class AttemptStep:
    round: Round
    altitude: str | None  # the peer grade's verdict, None while not graded or hidden


def attempt_history(user, round_: Round) -> list[AttemptStep]:
    """The candidate's rounds on this round's question, oldest first, with the peer
    verdicts this viewer may see."""
    rounds = list(Round.objects.filter(candidate_id=round_.candidate_id,
                                       question_id=round_.question_id)
                  .exclude(session__status__in=ABANDONED).order_by("starts_at"))
    peers = {g.round_id: g for g in Grade.objects.filter(round__in=rounds,
                                                          kind=Grade.Kind.PEER)}
    steps = []
    for r in rounds:
        access = round_access(user, r)
        if not (access.grades or access.report):
            continue
        peer = peers.get(r.pk)
        visible = peer is not None and access.grade(Grade.Kind.PEER)
        steps.append(AttemptStep(r, peer.level_altitude if visible else None))
    return steps


def attempt_delta(steps: list[AttemptStep]) -> int | None:
    """Altitudes gained from the previous graded attempt to the latest one."""
    graded = [s.altitude for s in steps if s.altitude]
    if len(graded) < 2:
        return None
    return levels.rank(graded[-1]) - levels.rank(graded[-2])


@dataclass
class ReattemptRow:
    reattempt: Reattempt
    is_due: bool


def reattempts_for_dashboard(user, now: datetime | None = None) -> list[ReattemptRow]:
    now = now or timezone.now()
    rows = pending_reattempts().filter(candidate=user).select_related("question")[:10]
    return [ReattemptRow(r, r.due_at <= now) for r in rows]


def rounds_awaiting_grade(user, now: datetime | None = None) -> list[Round]:
    """Ended rounds of the last 30 days the user took part in and has not graded yet."""
    now = now or timezone.now()
    own = Grade.objects.filter(round=OuterRef("pk"), author=user)
    rounds = (Round.objects.filter(Q(interviewer=user) | Q(candidate=user),
                                   starts_at__lte=now, starts_at__gte=now - timedelta(days=30))
              .exclude(session__status__in=ABANDONED)
              .annotate(graded=Exists(own)).filter(graded=False)
              .select_related("question", "interviewer__profile", "candidate__profile")
              .order_by("-starts_at")[:10])
    return [r for r in rounds if r.ends_at <= now]


def rounds_graded_lately(user, now: datetime | None = None) -> QuerySet[Round]:
    """The rounds of the last 60 days the user graded, newest first, for their reports."""
    now = now or timezone.now()
    return (Round.objects.filter(grades__author=user, starts_at__gte=now - timedelta(days=60))
            .select_related("question").order_by("-starts_at").distinct()[:5])
