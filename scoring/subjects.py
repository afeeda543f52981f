"""What a grade is about: a round of a mock, or an example transcript.

Both give the same things to a grade form and to a report: the question, the ladder the
verdict is on, the rubric dimensions, and the transcript lines a bullet may cite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.text import slugify

from accounts.services import display_name
from companies.bank_schema import ALTITUDES
from companies.models import Company
from companies.selectors import bank_document, generic_rubric, rubric_for
from interviews.models import Round
from interviews.selectors import transcript_for_round, transcript_line_url
from scoring.models import Example, Grade


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    cells: dict[str, str]

    def descriptor(self, altitude: str) -> str:
        if altitude in self.cells:
            return self.cells[altitude]
        known = [a for a in ALTITUDES if a in self.cells]
        if known and ALTITUDES.index(altitude) > ALTITUDES.index(known[-1]):
            return f"Beyond this rubric's {known[-1]} column."
        return "This rubric has no descriptor at this altitude."


@dataclass(frozen=True)
class Line:
    """A transcript line a bullet may cite."""

    id: int
    timestamp: str
    start_seconds: float
    role: str
    speaker: str
    text: str
    url: str


def dimensions_of(rubric: list[dict]) -> list[Dimension]:
    return [Dimension(slugify(d["name"]), d["name"], dict(d["cells"])) for d in rubric]


def ladder_of(company: Company | None) -> list[tuple[str, str]]:
    """(level name, altitude) lowest first; the bare altitudes when there is no company."""
    if company is None:
        return [(a.capitalize(), a) for a in ALTITUDES]
    return [(level.name, level.altitude) for level in company.levels.order_by("rank")]


@dataclass
class Subject:
    round: Round | None = None
    example: Example | None = None
    _lines: list[Line] | None = field(default=None, repr=False)

    @property
    def is_round(self) -> bool:
        return self.round is not None

    @property
    def company(self) -> Company | None:
        return self.round.company if self.round is not None else self.example.company

    @property
    def question(self):
        return self.round.question if self.round is not None else self.example.question

    @property
    def prompt(self) -> str:
        return self.round.question.prompt if self.round is not None else self.example.prompt

    @property
    def title(self) -> str:
        return self.round.question.title if self.round is not None else self.example.title

    @property
    def target_level(self) -> str:
        return (self.round.target_level if self.round is not None
                else self.example.candidate_target)

    @property
    def transcript_name(self) -> str:
        return "this round's transcript" if self.is_round else "this example's transcript"

    @cached_property
    def ladder(self) -> list[tuple[str, str]]:
        return ladder_of(self.company)

    @cached_property
    def dimensions(self) -> list[Dimension]:
        if self.round is not None:
            return dimensions_of(rubric_for(self.round.question))
        return dimensions_of(generic_rubric())

    @cached_property
    def self_grade_questions(self) -> list[dict]:
        return list(bank_document("self-grade"))

    @cached_property
    def checklist_items(self) -> list[dict]:
        items = bank_document("rubrics").get("checklist", [])
        return [item for item in items if item["key"] != "closest-column"]

    @property
    def lines(self) -> list[Line]:
        if self._lines is None:
            self._lines = self._load_lines()
        return self._lines

    def _load_lines(self) -> list[Line]:
        if self.round is not None:
            names = {self.round.interviewer_id: display_name(self.round.interviewer),
                     self.round.candidate_id: display_name(self.round.candidate)}
            return [Line(s.pk, s.timestamp, s.start_seconds, s.role,
                         names.get(s.speaker_id, ""), s.text, transcript_line_url(s))
                    for s in transcript_for_round(self.round)]
        return [Line(line.pk, line.timestamp, line.start_seconds, line.role, line.role,
                     line.text, f"#line-{line.pk}") for line in self.example.lines.all()]

    def line_by_id(self) -> dict[int, Line]:
        return {line.id: line for line in self.lines}

    def line_by_second(self) -> dict[int, Line]:
        """The first line starting in each whole second (what a mm:ss citation names; two
        speakers may start in the same second)."""
        found: dict[int, Line] = {}
        for line in self.lines:
            found.setdefault(int(line.start_seconds), line)
        return found

    def grades(self):
        owner = {"round": self.round} if self.round is not None else {"example": self.example}
        return Grade.objects.filter(**owner)


def subject_for_round(round_: Round) -> Subject:
    return Subject(round=round_)


def subject_for_example(example: Example) -> Subject:
    return Subject(example=example)
