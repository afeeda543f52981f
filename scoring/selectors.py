"""Reads of grades behind their rules: who may see a round's grades, blindness, calibration
and re-attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

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


# --- who sees what ------------------------------------------------------------------------


def coach_may_see_grades(user, round_: Round) -> bool:
    """The candidate's coaches see the grades of the candidate's rounds while the link is
    active and the candidate shares grades."""
    from coaching.selectors import coach_may_see

    return coach_may_see(user, round_.candidate, "grades")


def grade_visible_to(user, round_: Round) -> bool:
    """May the user see this round's grades at all (subject to blindness)? The two
    participants, and the candidate's coaches."""
    if not user.is_authenticated:
        return False
    if user.pk in (round_.interviewer_id, round_.candidate_id):
        return True
    return coach_may_see_grades(user, round_)


def report_visible_to(user, round_: Round) -> bool:
    """May the user read the round's report (page, Markdown, PDF, coaches' comments)? The
    two participants, and the candidate's coaches while the candidate shares reports. The
    report shows the grades, so sharing reports shares them in that form; "grades" covers
    the grades API and the figures of the progress page."""
    from coaching.selectors import coach_may_see

    if not user.is_authenticated:
        return False
    if user.pk in (round_.interviewer_id, round_.candidate_id):
        return True
    return coach_may_see(user, round_.candidate, "reports")


def _round_or_404(user, round_id: int, allowed) -> Round:
    try:
        round_ = (Round.objects.select_related("session", "question", "company",
                                               "interviewer__profile", "candidate__profile")
                  .get(pk=round_id))
    except (Round.DoesNotExist, ValueError, TypeError):
        raise Http404("No such round of yours.") from None
    if not allowed(user, round_):
        raise Http404("No such round of yours.")
    return round_


def round_get_for_report(user, round_id: int) -> Round:
    """A round whose report the user may read; 404 for anyone else's."""
    return _round_or_404(user, round_id, report_visible_to)


def round_get_for_grading(user, round_id: int) -> Round:
    """A round whose grades the user may see; 404 for anyone else's."""
    return _round_or_404(user, round_id, grade_visible_to)


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


def round_grades_for_viewer(user, round_: Round) -> RoundGrades:
    """Blind grading: a participant sees the other side's grade only after filing their
    own. Call only after `grade_visible_to` or `report_visible_to`."""
    grades = {g.kind: g for g in graded_rows(Grade.objects.filter(round=round_))}
    peer, self_grade = grades.get(Grade.Kind.PEER), grades.get(Grade.Kind.SELF)
    if user.pk == round_.interviewer_id:
        kind, own, other = Grade.Kind.PEER, peer, self_grade
    elif user.pk == round_.candidate_id:
        kind, own, other = Grade.Kind.SELF, self_grade, peer
    else:
        return RoundGrades(None, None, peer, self_grade, True)
    if own is None:
        return RoundGrades(kind, None, None, None, other is not None)
    return RoundGrades(kind, own, peer, self_grade, other is not None)


def grade_get_for_user(user, grade_id: int) -> Grade:
    """One grade the user may read now; 404 for a grade they may not (yet) see."""
    try:
        grade = graded_rows(Grade.objects.select_related("round", "example")).get(pk=grade_id)
    except (Grade.DoesNotExist, ValueError, TypeError):
        raise Http404("No such grade.") from None
    if grade.round_id is not None:
        if grade_visible_to(user, grade.round):
            seen = round_grades_for_viewer(user, grade.round)
            if grade in (seen.peer, seen.self_grade):
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
    own_self = set(Grade.objects.filter(round__in=rounds, kind=Grade.Kind.SELF)
                   .values_list("round_id", flat=True))
    steps = []
    for r in rounds:
        if not grade_visible_to(user, r):
            continue
        peer = peers.get(r.pk)
        visible = peer is not None and (user.pk != r.candidate_id or r.pk in own_self)
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
