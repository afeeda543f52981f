"""The graded report of a round or an example, as one viewer may see it.

The page, the Markdown export and the PDF export are all drawn from the same `Report`, so
they hold the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from accounts.services import display_name
from companies.selectors import bank_document
from config.localtime import local
from interviews.access import RoundAccess
from interviews.models import Round
from scoring import levels, selectors
from scoring.models import Example, Grade, SelfGradeAnswer
from scoring.subjects import Line, Subject, subject_for_example, subject_for_round

SELF_GRADE_LABELS = {"clarify": "Clarified", "quantify": "Quantified", "commit": "Committed",
                     "drill-deep": "Drilled deep", "cover-operations": "Covered operations"}
CHECKLIST_LABELS = {
    "derived-number": "A number derived from the constraints",
    "failure-mode-mitigation": "A failure mode named with its mitigation",
    "org-team-cost": "The cost to the organisation or team",
    "prompt-pushback": "A correct push-back on the prompt",
}


@dataclass
class CitationView:
    timestamp: str
    url: str


@dataclass
class BulletView:
    text: str
    citations: list[CitationView]


@dataclass
class GradeView:
    grade: Grade
    heading: str
    author: str
    did_well: list[BulletView]
    missing: list[BulletView]
    rubric: list[tuple[str, str, str, str]]  # (key, dimension, altitude, descriptor)
    self_grade: list[tuple[str, str, str]]  # (label, answer, note)
    checklist: list[tuple[str, bool]]
    closest_column: str
    suggestion: levels.Suggestion
    disagreement: str  # the verdict and the checklist more than one altitude apart
    amendments: list[tuple[str, datetime, str]]
    annotations: list[tuple[str, str]]
    grader_calibration: selectors.CalibrationSummary | None
    editable: bool = False
    amendable: bool = False

    @property
    def verdict(self) -> str:
        return self.grade.verdict_label

    @property
    def decision(self) -> str:
        return self.grade.get_decision_display()


@dataclass
class ComparisonRow:
    name: str
    left: str
    right: str
    gap: int | None  # right minus left, in altitudes
    key: str = ""


@dataclass
class Comparison:
    left_label: str
    right_label: str
    verdict: ComparisonRow
    rubric: list[ComparisonRow]
    self_grade: list[ComparisonRow]
    checklist: list[ComparisonRow]
    score: int | None = None  # the calibration score, for an example

    @property
    def mean_gap(self) -> float:
        gaps = [abs(r.gap) for r in self.rubric if r.gap is not None]
        return sum(gaps) / len(gaps) if gaps else 0.0


@dataclass
class Report:
    title: str
    facts: list[str]
    prompt: str
    transcript: list[Line]
    grades: list[GradeView]
    comparison: Comparison | None
    waiting: list[str] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)  # (round label, altitude)
    history_delta: int | None = None
    transcript_note: str = "No transcript for this round."


def _bullets(grade: Grade, section: str, subject: Subject) -> list[BulletView]:
    lines = subject.line_by_id()
    views = []
    for note in grade.bullets.all():
        if note.section != section:
            continue
        citations = []
        for citation in note.citations.all():
            line = lines.get(citation.segment_id or citation.example_line_id)
            if line is not None:
                citations.append(CitationView(line.timestamp, line.url))
        views.append(BulletView(note.text, citations))
    return views


def grade_view(grade: Grade, subject: Subject, *, heading: str, viewer=None,
               calibrations: dict | None = None) -> GradeView:
    dimensions = {d.key: d for d in subject.dimensions}
    scores = selectors.scores_of(grade)
    rubric = [(key, dim.name, scores.get(key, "—"), dim.descriptor(scores[key])
               if key in scores else "") for key, dim in dimensions.items()]
    questions = {q["key"]: q for q in bank_document("self-grade") or []}
    self_grade = []
    for key in questions:
        entry = grade.self_grade.get(key, {})
        answer = SelfGradeAnswer(entry["answer"]).label if entry.get("answer") else "—"
        self_grade.append((SELF_GRADE_LABELS.get(key, key), answer, entry.get("note", "")))
    suggestion = levels.suggest_level(scores, grade.checklist)
    disagreement = ""
    if suggestion.altitude:
        apart = levels.rank(grade.level_altitude) - levels.rank(suggestion.altitude)
        if abs(apart) > 1:
            disagreement = (f"The verdict ({grade.level_altitude}) and the checklist "
                            f"({suggestion.altitude}) are {abs(apart)} altitudes apart.")
    author = display_name(grade.author) if grade.author else "Reference"
    is_author = viewer is not None and grade.author_id == viewer.pk
    return GradeView(
        grade=grade, heading=heading, author=author,
        did_well=_bullets(grade, "did_well", subject),
        missing=_bullets(grade, "missing", subject), rubric=rubric, self_grade=self_grade,
        checklist=[(label, bool(grade.checklist.get(key)))
                   for key, label in CHECKLIST_LABELS.items()],
        closest_column=grade.checklist.get(levels.CLOSEST_COLUMN, ""),
        suggestion=suggestion, disagreement=disagreement,
        amendments=[(display_name(a.author), a.created_at, a.text)
                    for a in grade.amendments.all()],
        annotations=[(dimensions[a.dimension].name if a.dimension in dimensions else "Overall",
                      a.text) for a in grade.annotations.all()],
        grader_calibration=(calibrations or {}).get(grade.author_id),
        editable=is_author and not grade.is_frozen and grade.round_id is not None,
        amendable=is_author and grade.is_frozen and grade.round_id is not None,
    )


def _gap(left: str, right: str) -> int | None:
    if left in levels.CHECKLIST_KEYS or not left or not right:
        return None
    try:
        return levels.rank(right) - levels.rank(left)
    except ValueError:
        return None


def comparison_of(left: GradeView, right: GradeView, *, left_label: str,
                  right_label: str) -> Comparison:
    right_rubric = {key: altitude for key, _, altitude, _ in right.rubric}
    rubric = [ComparisonRow(name, altitude, right_rubric.get(key, "—"),
                            _gap(altitude, right_rubric.get(key, "")), key)
              for key, name, altitude, _ in left.rubric]
    verdict = ComparisonRow(
        "Verdict", f"{left.verdict} ({left.grade.level_altitude})",
        f"{right.verdict} ({right.grade.level_altitude})",
        _gap(left.grade.level_altitude, right.grade.level_altitude))
    self_grade = [ComparisonRow(label, answer, right.self_grade[i][1], None)
                  for i, (label, answer, _) in enumerate(left.self_grade)]
    checklist = [ComparisonRow(label, "yes" if value else "no",
                               "yes" if right.checklist[i][1] else "no", None)
                 for i, (label, value) in enumerate(left.checklist)]
    return Comparison(left_label, right_label, verdict, rubric, self_grade, checklist)


def _round_facts(round_: Round) -> list[str]:
    company = round_.company.name if round_.company else "no company"
    target = round_.company.level_for_altitude(round_.target_level) if round_.company \
        else round_.target_level
    return [f"Round {round_.number} of mock {round_.session_id}, "
            f"{local(round_.starts_at)}",
            f"Interviewer: {display_name(round_.interviewer)} · "
            f"Candidate: {display_name(round_.candidate)}",
            f"Graded on the {company} ladder; the candidate targets {target} "
            f"({round_.target_level})"]


QUESTION_HIDDEN = "The question stays hidden until the round starts."
TRANSCRIPT_NOT_SHARED = "The candidate does not share this round's transcript with you."


def round_report(access: RoundAccess) -> Report:
    """The round's report as `access` may read it: the question once the viewer may know
    it, the grades blind grading lets them see, the transcript where it is shared."""
    viewer, round_ = access.user, access.round
    subject = subject_for_round(round_)
    seen = selectors.round_grades_for_viewer(access)
    calibrations = selectors.calibration_summaries(
        [g.author_id for g in (seen.peer, seen.self_grade) if g is not None])
    grades, waiting = [], []
    interviewer = display_name(round_.interviewer)
    candidate = display_name(round_.candidate)
    peer_view = self_view = None
    if seen.peer is not None:
        peer_view = grade_view(seen.peer, subject, viewer=viewer, calibrations=calibrations,
                               heading=f"Interviewer notes by {interviewer}")
        grades.append(peer_view)
    if seen.self_grade is not None:
        self_view = grade_view(seen.self_grade, subject, viewer=viewer,
                               calibrations=calibrations,
                               heading=f"Self-grade by {candidate}")
        grades.append(self_view)
    if seen.viewer_kind is None and seen.self_grade is None:
        waiting.append(f"Grades show once {candidate} has filed their self-grade.")
    elif seen.viewer_kind is not None and seen.own is None:
        waiting.append("File your own grade first: the other side's grade stays hidden "
                       "until you do." + (" It is already in." if seen.other_submitted else ""))
    elif peer_view is None:
        waiting.append(f"Waiting for {interviewer}'s interviewer notes.")
    elif self_view is None:
        waiting.append(f"Waiting for {candidate}'s self-grade.")
    comparison = None
    if peer_view and self_view:
        comparison = comparison_of(peer_view, self_view, left_label=f"Peer ({interviewer})",
                                   right_label=f"Self ({candidate})")
    steps = selectors.attempt_history(viewer, round_)
    history = [(f"Round {s.round.number} of mock {s.round.session_id} "
                f"({s.round.starts_at:%Y-%m-%d})", s.altitude or "not graded yet")
               for s in steps] if len(steps) > 1 else []
    return Report(
        title=round_.question.title if access.question else f"Round {round_.number}",
        facts=_round_facts(round_),
        prompt=round_.question.prompt if access.question else QUESTION_HIDDEN,
        transcript=subject.lines if access.transcript else [], grades=grades,
        comparison=comparison, waiting=waiting, history=history,
        history_delta=selectors.attempt_delta(steps) if history else None,
        transcript_note=(Report.transcript_note if access.transcript
                         else TRANSCRIPT_NOT_SHARED))


def example_report(viewer, example: Example) -> Report:
    """An example transcript; its reference notes once the viewer may see them, and the
    viewer's own blind grade beside them with its calibration score."""
    subject = subject_for_example(example)
    target = example.company.level_for_altitude(example.candidate_target)
    facts = [f"Example report · {example.company.name}, the candidate targets {target} "
             f"({example.candidate_target})"]
    grades, waiting, comparison = [], [], None
    own = selectors.calibration_grade_for(viewer, example)
    reference = (selectors.reference_grade(example)
                 if selectors.reference_visible_to(viewer, example) else None)
    calibrations = selectors.calibration_summaries([viewer.pk]) if own else {}
    own_view = ref_view = None
    if reference is not None:
        ref_view = grade_view(reference, subject, heading="Reference interviewer notes")
        grades.append(ref_view)
    if own is not None:
        own_view = grade_view(own, subject, viewer=viewer, calibrations=calibrations,
                              heading=f"Your blind grade ({display_name(viewer)})")
        grades.append(own_view)
    if reference is None:
        waiting.append("Grade this transcript blind first, then compare with the reference "
                       "notes and get your calibration score.")
    if ref_view and own_view:
        comparison = comparison_of(ref_view, own_view, left_label="Reference",
                                   right_label="You")
        comparison.score = selectors.calibration_of(own, reference).score
    return Report(title=example.title, facts=facts, prompt=example.prompt,
                  transcript=subject.lines, grades=grades, comparison=comparison,
                  waiting=waiting)
