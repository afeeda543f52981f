"""Grading flows: submitting and editing grades, freezing, amendments, gap annotations,
calibration, re-attempts and their reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from companies.bank_schema import ALTITUDES
from config.localtime import local
from config.storable_text import UNSTORABLE_TEXT, is_storable
from interviews.models import MockSession, Round
from scoring import levels
from scoring.models import (
    REATTEMPT_AFTER,
    Citation,
    Decision,
    Example,
    ExampleReveal,
    GapAnnotation,
    Grade,
    GradeAmendment,
    GradeNote,
    Qualifier,
    Reattempt,
    RubricScore,
    SelfGradeAnswer,
)
from scoring.subjects import Subject, subject_for_example, subject_for_round

logger = logging.getLogger(__name__)

MAX_BULLETS = 30
MAX_TEXT = 4000
MAX_NOTES = 20_000
SECTIONS = ("did_well", "missing")


class GradingError(ValueError):
    """An action on grades that cannot be taken now (not yours, frozen, too early)."""

    def __init__(self, message: str, *, status: int = 400):
        self.status = status
        super().__init__(message)


class GradeInvalid(ValueError):
    """A grade that breaks the rules, with every problem by field ("did_well[0].cites",
    "rubric.failure-modes", "level", ...)."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclass
class BulletInput:
    text: str
    cites: list[int] = field(default_factory=list)  # transcript line ids


@dataclass
class GradeInput:
    did_well: list[BulletInput] = field(default_factory=list)
    missing: list[BulletInput] = field(default_factory=list)
    level: str = ""
    qualifier: str = ""
    decision: str = ""
    swing: str = ""
    rubric: dict[str, str] = field(default_factory=dict)
    self_grade: dict[str, dict] = field(default_factory=dict)
    checklist: dict = field(default_factory=dict)
    notes: str = ""


def grade_check(subject: Subject, data: GradeInput) -> dict[str, list[str]]:
    """Every rule a grade's content must follow, as {field: [messages]}; empty when fine."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    lines = subject.line_by_id()
    bullets = 0
    for section in SECTIONS:
        items = getattr(data, section)
        if len(items) > MAX_BULLETS:
            fail(section, f"At most {MAX_BULLETS} bullets.")
        for index, bullet in enumerate(items):
            where = f"{section}[{index}]"
            if not bullet.text.strip():
                fail(where, "A bullet needs text (remove the empty one).")
            elif len(bullet.text) > MAX_TEXT:
                fail(where, f"Keep a bullet under {MAX_TEXT} characters.")
            bullets += 1
            for line_id in bullet.cites:
                if line_id not in lines:
                    fail(f"{where}.cites", f"Line {line_id} is not part of "
                                           f"{subject.transcript_name}; cite only its lines.")
    if bullets == 0:
        fail("did_well", "Write at least one bullet about what went well or what was missing.")
    ladder = dict(subject.ladder)
    if not data.level:
        fail("level", "Give the verdict: a level on the ladder.")
    elif data.level not in ladder:
        where = subject.company.name if subject.company else "the altitude scale"
        fail("level", f"'{data.level}' is not a level on {where}'s ladder "
                      f"({', '.join(ladder)}).")
    if data.qualifier not in Qualifier.values:
        fail("qualifier", "The qualifier is strong, borderline or nothing.")
    if not data.decision:
        fail("decision", "Give the hire decision.")
    elif data.decision not in Decision.values:
        fail("decision", f"The decision is one of {', '.join(Decision.values)}.")
    if not data.swing.strip():
        fail("swing", "Say what would have swung the call to the next level.")
    dimensions = {d.key: d for d in subject.dimensions}
    for key in dimensions:
        if key not in data.rubric:
            fail(f"rubric.{key}", f"Score '{dimensions[key].name}'.")
    for key, altitude in data.rubric.items():
        if key not in dimensions:
            fail(f"rubric.{key}", f"'{key}' is not a dimension of this question's rubric.")
        elif altitude not in ALTITUDES:
            fail(f"rubric.{key}", f"'{altitude}' is not an altitude ({', '.join(ALTITUDES)}).")
    _check_self_grade(subject, data, fail)
    _check_checklist(data, fail)
    if len(data.notes) > MAX_NOTES:
        fail("notes", f"Keep the notes under {MAX_NOTES} characters.")
    return errors


def _check_self_grade(subject: Subject, data: GradeInput, fail) -> None:
    keys = [q["key"] for q in subject.self_grade_questions]
    for key in keys:
        entry = data.self_grade.get(key)
        answer = entry.get("answer") if isinstance(entry, dict) else None
        if answer not in SelfGradeAnswer.values:
            fail(f"self_grade.{key}", "Answer yes, partly or no.")
        elif len(str(entry.get("note", ""))) > MAX_TEXT:
            fail(f"self_grade.{key}", f"Keep the note under {MAX_TEXT} characters.")
    for key in data.self_grade:
        if key not in keys:
            fail(f"self_grade.{key}", f"'{key}' is not one of the five self-grade questions.")


def _check_checklist(data: GradeInput, fail) -> None:
    for key, value in data.checklist.items():
        if key == levels.CLOSEST_COLUMN:
            if value not in (None, "", *ALTITUDES):
                fail(f"checklist.{key}", f"'{value}' is not an altitude.")
        elif key not in levels.CHECKLIST_KEYS:
            fail(f"checklist.{key}", f"'{key}' is not on the grading checklist.")
        elif not isinstance(value, bool):
            fail(f"checklist.{key}", "Answer true or false.")


def _clean_checklist(checklist: dict) -> dict:
    cleaned = {key: bool(checklist.get(key, False)) for key in levels.CHECKLIST_KEYS}
    if checklist.get(levels.CLOSEST_COLUMN):
        cleaned[levels.CLOSEST_COLUMN] = checklist[levels.CLOSEST_COLUMN]
    return cleaned


CONTENT_FIELDS = ["level", "level_altitude", "qualifier", "decision", "swing", "self_grade",
                  "checklist", "notes"]


def _set_fields(grade: Grade, subject: Subject, data: GradeInput) -> None:
    grade.level = data.level
    grade.level_altitude = dict(subject.ladder)[data.level]
    grade.qualifier = data.qualifier
    grade.decision = data.decision
    grade.swing = data.swing.strip()
    grade.self_grade = {key: {"answer": entry["answer"], "note": str(entry.get("note", "")).strip()}
                        for key, entry in data.self_grade.items()}
    grade.checklist = _clean_checklist(data.checklist)
    grade.notes = data.notes.strip()


def _write_children(grade: Grade, subject: Subject, data: GradeInput) -> None:
    """Replace the grade's bullets, their citations and its rubric scores."""
    grade.bullets.all().delete()
    grade.scores.all().delete()
    citations = []
    for section in SECTIONS:
        for position, bullet in enumerate(getattr(data, section)):
            note = GradeNote.objects.create(grade=grade, section=section, position=position,
                                            text=bullet.text.strip())
            line_field = "segment_id" if subject.is_round else "example_line_id"
            citations += [Citation(note=note, **{line_field: line_id})
                          for line_id in dict.fromkeys(bullet.cites)]
    Citation.objects.bulk_create(citations)
    RubricScore.objects.bulk_create(RubricScore(grade=grade, dimension=key, altitude=altitude)
                                    for key, altitude in data.rubric.items())


def _validated(subject: Subject, data: GradeInput) -> None:
    errors = grade_check(subject, data)
    if errors:
        raise GradeInvalid(errors)


# --- grades of a round --------------------------------------------------------------------


def kind_for(round_: Round, user) -> str | None:
    if user.pk == round_.interviewer_id:
        return Grade.Kind.PEER
    if user.pk == round_.candidate_id:
        return Grade.Kind.SELF
    return None


def _lock_round(round_: Round) -> Round:
    return (Round.objects.select_for_update(of=("self",))
            .select_related("session", "question", "company", "interviewer", "candidate")
            .get(pk=round_.pk))


def _check_round_gradable(round_: Round, now: datetime) -> None:
    if round_.session.status in (MockSession.Status.CANCELLED, MockSession.Status.NO_SHOW):
        raise GradingError(f"This mock was {round_.session.get_status_display().lower()}; "
                           "there is nothing to grade.")
    if now < round_.ends_at:
        raise GradingError(f"The round has not ended yet: grading opens at "
                           f"{local(round_.ends_at)}, or as soon as the interviewer ends "
                           "the round in the room.")


def grade_submit(*, round_: Round, author, data: GradeInput,
                 now: datetime | None = None) -> Grade:
    """File the author's grade of a round: the interviewer's peer grade or the candidate's
    self-grade. The second of the two freezes both and may schedule a re-attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        round_ = _lock_round(round_)
        kind = kind_for(round_, author)
        if kind is None:
            raise GradingError("Only the two people of this round can grade it.", status=404)
        _check_round_gradable(round_, now)
        if Grade.objects.filter(round=round_, kind=kind).exists():
            raise GradingError("You have already graded this round; edit your grade instead.",
                               status=409)
        subject = subject_for_round(round_)
        _validated(subject, data)
        grade = Grade(kind=kind, round=round_, author=author, submitted_at=now, updated_at=now)
        _set_fields(grade, subject, data)
        grade.save()
        _write_children(grade, subject, data)
        _freeze_if_complete(round_, now)
    return grade


def grade_update(*, grade: Grade, by, data: GradeInput, now: datetime | None = None) -> Grade:
    """Rewrite one's own grade; allowed until both sides of the round have submitted."""
    now = now or timezone.now()
    with transaction.atomic():
        round_ = _lock_round(grade.round) if grade.round_id else None
        grade = Grade.objects.select_for_update().get(pk=grade.pk)
        if grade.author_id != by.pk:
            raise GradingError("Only its author can edit a grade.", status=403)
        if grade.is_frozen:
            raise GradingError("This grade is final because both sides have submitted; add "
                               "an amendment instead.", status=409)
        subject = subject_for_round(round_) if round_ else subject_for_example(grade.example)
        _validated(subject, data)
        _set_fields(grade, subject, data)
        grade.updated_at = now
        grade.save(update_fields=[*CONTENT_FIELDS, "updated_at"])
        _write_children(grade, subject, data)
    return grade


def _freeze_if_complete(round_: Round, now: datetime) -> None:
    grades = {g.kind: g for g in Grade.objects.filter(round=round_)}
    if Grade.Kind.PEER not in grades or Grade.Kind.SELF not in grades:
        return
    Grade.objects.filter(round=round_, frozen_at__isnull=True).update(frozen_at=now)
    _schedule_reattempt(round_, grades[Grade.Kind.PEER], now)


def _schedule_reattempt(round_: Round, peer_grade: Grade, now: datetime) -> None:
    """Below the candidate's target, the question comes back three days after the round.
    Scheduled only once both grades are in, so nothing hints at the peer's verdict before
    the candidate has graded themself."""
    if levels.rank(peer_grade.level_altitude) >= levels.rank(round_.target_level):
        return
    Reattempt.objects.get_or_create(round=round_, defaults={
        "candidate_id": round_.candidate_id, "question_id": round_.question_id,
        "target_level": round_.target_level, "graded_altitude": peer_grade.level_altitude,
        "due_at": max(round_.ends_at, now) + REATTEMPT_AFTER, "created_at": now})


def grade_amend(*, grade: Grade, by, text: str, now: datetime | None = None) -> GradeAmendment:
    """Append a correction to a final grade, with its time and author."""
    text = text.strip()
    if grade.author_id != by.pk:
        raise GradingError("Only its author can amend a grade.", status=403)
    if not grade.is_frozen:
        raise GradingError("The grade is still open: edit it instead of amending it.",
                           status=409)
    if not text:
        raise GradeInvalid({"text": ["Write the correction."]})
    if not is_storable(text):
        raise GradeInvalid({"text": [UNSTORABLE_TEXT]})
    if len(text) > MAX_TEXT:
        raise GradeInvalid({"text": [f"Keep an amendment under {MAX_TEXT} characters."]})
    return GradeAmendment.objects.create(grade=grade, author=by, text=text,
                                         created_at=now or timezone.now())


def gap_annotate(*, grade: Grade, by, dimension: str, text: str,
                 now: datetime | None = None) -> GapAnnotation:
    """The candidate notes what they should have said against a gap, once both grades are
    visible; the self-grade itself stays as submitted."""
    text = text.strip()
    if grade.kind != Grade.Kind.SELF or grade.author_id != by.pk:
        raise GradingError("Annotate the gaps of your own self-grade.", status=403)
    if not Grade.objects.filter(round_id=grade.round_id, kind=Grade.Kind.PEER).exists():
        raise GradingError("Gaps show once the peer grade is in.", status=409)
    keys = {d.key for d in subject_for_round(grade.round).dimensions}
    if dimension and dimension not in keys:
        raise GradeInvalid({"dimension": [f"'{dimension}' is not a dimension of this rubric."]})
    if not text:
        raise GradeInvalid({"text": ["Write what you should have said."]})
    if not is_storable(text):
        raise GradeInvalid({"text": [UNSTORABLE_TEXT]})
    if len(text) > MAX_TEXT:
        raise GradeInvalid({"text": [f"Keep an annotation under {MAX_TEXT} characters."]})
    return GapAnnotation.objects.create(grade=grade, dimension=dimension, text=text,
                                        created_at=now or timezone.now())


# --- calibration on the examples ----------------------------------------------------------


def calibration_submit(*, example: Example, author, data: GradeInput,
                       now: datetime | None = None) -> Grade:
    """Grade an example transcript blind. Final at once: the reference opens right after."""
    now = now or timezone.now()
    if ExampleReveal.objects.filter(user=author, example=example).exists():
        raise GradingError("You have read this example's reference notes, so a grade now "
                           "would not be blind.", status=409)
    subject = subject_for_example(example)
    _validated(subject, data)
    try:
        with transaction.atomic():
            grade = Grade(kind=Grade.Kind.CALIBRATION, example=example, author=author,
                          submitted_at=now, updated_at=now, frozen_at=now)
            _set_fields(grade, subject, data)
            grade.save()
            _write_children(grade, subject, data)
    except IntegrityError:
        raise GradingError("You have already graded this example.", status=409) from None
    return grade


def example_reveal(*, example: Example, user) -> None:
    """Read the reference notes without calibrating on this example."""
    ExampleReveal.objects.get_or_create(user=user, example=example)


def reference_write(*, example: Example, data: GradeInput) -> Grade:
    """Replace an example's reference notes (used by the example loader)."""
    subject = subject_for_example(example)
    _validated(subject, data)
    Grade.objects.filter(example=example, kind=Grade.Kind.REFERENCE).delete()
    grade = Grade(kind=Grade.Kind.REFERENCE, example=example, frozen_at=timezone.now())
    _set_fields(grade, subject, data)
    grade.save()
    _write_children(grade, subject, data)
    return grade


# --- re-attempt reminders -----------------------------------------------------------------


def send_due_reattempt_reminders(*, now: datetime | None = None) -> int:
    """Email each candidate whose re-attempt fell due, once: every reminder is claimed with
    a conditional UPDATE first, so two schedulers never send the same one."""
    from scoring.selectors import pending_reattempts
    from scoring.tasks import send_reattempt_email

    now = now or timezone.now()
    sent = 0
    due = pending_reattempts().filter(due_at__lte=now, reminded_at__isnull=True)
    for reattempt_id in due.values_list("pk", flat=True):
        claimed = Reattempt.objects.filter(pk=reattempt_id, reminded_at__isnull=True)\
            .update(reminded_at=now)
        if claimed:
            transaction.on_commit(lambda rid=reattempt_id: send_reattempt_email.delay(rid))
            sent += 1
    return sent
