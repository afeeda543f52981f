"""Progress figures from a candidate's graded rounds: plain functions over plain data.

Nothing here reads the database. `coaching.history` loads a candidate's rounds and grades
in a fixed number of queries into the dataclasses below, and these functions turn them
into the series, grids and tables that the progress page, the roster, the CSV export and
the API show.

A round counts as *graded* once both its grades are in: the interviewer's (peer) grade and
the candidate's self-grade. That is when grading stops being blind for the candidate, so
the figures never show a peer verdict the candidate may not see yet.

Altitudes are compared by their rank on the common scale (junior 0 ... principal 3); a gap
is measured in altitudes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from companies.bank_schema import ALTITUDES

SELF_GRADE_SCORE = {"yes": 1.0, "partly": 0.5, "no": 0.0}
TREND_WINDOW = 5  # graded rounds in the moving average of the self-grade answers
RECENT_ROUNDS = 5  # graded rounds the roster's "most behind" dimension is judged on
FALLING_WINDOW = 3  # verdicts compared on each side for a falling trend


def rank(altitude: str) -> int:
    return ALTITUDES.index(altitude)


def level_name(ladder: Mapping[str, str] | None, altitude: str) -> str:
    """A company's own name for an altitude (its highest rung there), else the altitude."""
    if ladder and altitude in ladder:
        return ladder[altitude]
    return altitude.capitalize()


@dataclass(frozen=True)
class Verdict:
    level: str  # a level name on the round company's ladder, e.g. "E5"
    altitude: str
    qualifier: str = ""
    decision: str = ""

    @property
    def label(self) -> str:
        return f"{self.qualifier.capitalize()} {self.level}" if self.qualifier else self.level


@dataclass(frozen=True)
class GradedRound:
    """One round the candidate took, with both grades in."""

    round_id: int
    starts_at: datetime
    company_id: int | None
    question_title: str
    question_type: str
    round_target: str  # the altitude the candidate targeted in that mock
    peer: Verdict
    self_verdict: Verdict
    peer_scores: Mapping[str, str] = field(default_factory=dict)  # dimension -> altitude
    self_scores: Mapping[str, str] = field(default_factory=dict)
    self_answers: Mapping[str, str] = field(default_factory=dict)  # question -> yes/partly/no


@dataclass(frozen=True)
class PractisedRound:
    """One round the candidate took (graded or not): what coverage counts."""

    round_id: int
    starts_at: datetime
    company_id: int | None
    question_type: str
    topics: tuple[str, ...] = ()


# --- altitude per dimension over time -----------------------------------------------------


@dataclass
class DimensionSeries:
    key: str
    points: list[tuple[GradedRound, str]]  # (round, altitude reached), oldest first

    @property
    def latest(self) -> str | None:
        return self.points[-1][1] if self.points else None


def dimension_order(rounds: Iterable[GradedRound], preferred: Sequence[str]) -> list[str]:
    """The dimensions the peer grades scored: those of `preferred` (the generic rubric) in
    its order, then any question's own dimensions in the order they first appear."""
    seen: dict[str, None] = {}
    for graded in rounds:
        for key in graded.peer_scores:
            seen.setdefault(key, None)
    return [k for k in preferred if k in seen] + [k for k in seen if k not in preferred]


def dimension_series(rounds: Sequence[GradedRound], order: Sequence[str]) -> list[DimensionSeries]:
    """The altitude the peer grade gave each dimension, round by round, oldest first."""
    ordered = sorted(rounds, key=lambda g: (g.starts_at, g.round_id))
    return [DimensionSeries(key, [(g, g.peer_scores[key]) for g in ordered
                                  if key in g.peer_scores]) for key in order]


# --- the company by dimension grid --------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    dimension: str
    altitude: str | None  # the latest altitude reached at this company, None if never scored
    level: str  # the company's own name for it ("" when never scored)
    gap: int | None  # rank(altitude) - rank(target)

    @property
    def status(self) -> str:
        if self.gap is None:
            return "none"
        return "below" if self.gap < 0 else "at" if self.gap == 0 else "above"


@dataclass(frozen=True)
class GridRow:
    company_id: int | None
    target_level: str  # the company's own name for the target altitude
    verdict: Verdict | None  # the latest peer verdict at this company
    rounds: int  # graded rounds at this company
    cells: list[GridCell]


def company_grid(rounds: Sequence[GradedRound], *, company_ids: Sequence[int | None],
                 dimensions: Sequence[str], target: str,
                 ladders: Mapping[int | None, Mapping[str, str]]) -> list[GridRow]:
    """Per company (in the order given) and dimension, the altitude of the latest peer
    grade that scored it, named on the company's ladder and compared with `target`."""
    latest: dict[tuple[int | None, str], str] = {}
    verdicts: dict[int | None, Verdict] = {}
    counts: dict[int | None, int] = {}
    for graded in sorted(rounds, key=lambda g: (g.starts_at, g.round_id)):
        verdicts[graded.company_id] = graded.peer
        counts[graded.company_id] = counts.get(graded.company_id, 0) + 1
        for key, altitude in graded.peer_scores.items():
            latest[(graded.company_id, key)] = altitude
    rows = []
    for company_id in company_ids:
        ladder = ladders.get(company_id)
        cells = []
        for key in dimensions:
            altitude = latest.get((company_id, key))
            cells.append(GridCell(
                key, altitude, level_name(ladder, altitude) if altitude else "",
                rank(altitude) - rank(target) if altitude else None))
        rows.append(GridRow(company_id, level_name(ladder, target), verdicts.get(company_id),
                            counts.get(company_id, 0), cells))
    return rows


# --- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyFocus:
    """What a target company's loop stresses: its profile's focus areas, and the mix of
    question types in its part of the bank."""

    company_id: int
    name: str
    focus_areas: tuple[str, ...]
    type_counts: Mapping[str, int]

    def type_share(self, question_type: str) -> float:
        total = sum(self.type_counts.values())
        return self.type_counts.get(question_type, 0) / total if total else 0.0


@dataclass(frozen=True)
class FocusRow:
    area: str
    practised: int  # rounds whose question covers the area
    emphasised_by: tuple[str, ...]  # names of the target companies that stress it

    @property
    def gap(self) -> bool:
        return bool(self.emphasised_by) and self.practised == 0


TYPE_GAP_SHARE = 0.10


@dataclass(frozen=True)
class TypeRow:
    question_type: str
    practised: int
    practised_share: float
    company_shares: tuple[float, ...]  # one per company, in Coverage.companies order

    @property
    def gap(self) -> bool:
        """Never practised, while some target company draws at least a tenth of its
        questions from this type."""
        return self.practised == 0 and any(s >= TYPE_GAP_SHARE for s in self.company_shares)


@dataclass
class Coverage:
    companies: list[CompanyFocus]
    focus: list[FocusRow]
    types: list[TypeRow]
    rounds: int

    @property
    def gaps(self) -> list[str]:
        return ([row.area for row in self.focus if row.gap]
                + [row.question_type for row in self.types if row.gap])


def coverage(practised: Sequence[PractisedRound], companies: Sequence[CompanyFocus],
             type_order: Sequence[str]) -> Coverage:
    """Focus areas and question types practised against what the target companies stress.

    Focus areas: the union of the companies' focus areas, most widely stressed first, each
    with the rounds whose question carries that topic. Types: every type practised or
    asked by a company, in `type_order`, with the practised share next to each company's
    share of its bank questions."""
    stressed: dict[str, list[str]] = {}
    for company in companies:
        for area in company.focus_areas:
            stressed.setdefault(area, []).append(company.name)
    topic_counts: dict[str, int] = {}
    type_counts: dict[str, int] = {}
    for item in practised:
        for topic in set(item.topics):
            topic_counts[topic] = topic_counts.get(topic, 0) + 1
        type_counts[item.question_type] = type_counts.get(item.question_type, 0) + 1
    focus = [FocusRow(area, topic_counts.get(area, 0), tuple(names))
             for area, names in sorted(stressed.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    total = len(practised)
    asked = {t for company in companies for t, n in company.type_counts.items() if n}
    types = [TypeRow(t, type_counts.get(t, 0), type_counts.get(t, 0) / total if total else 0.0,
                     tuple(company.type_share(t) for company in companies))
             for t in type_order if t in asked or t in type_counts]
    return Coverage(list(companies), focus, types, total)


# --- self versus peer ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationPoint:
    round: GradedRound
    level_gap: int  # rank(self verdict) - rank(peer verdict): above zero rates oneself higher
    rubric_gap: float | None  # signed mean over the dimensions both grades scored
    dimensions: int  # how many dimensions both grades scored


def calibration_point(graded: GradedRound) -> CalibrationPoint:
    both = [k for k in graded.peer_scores if k in graded.self_scores]
    gaps = [rank(graded.self_scores[k]) - rank(graded.peer_scores[k]) for k in both]
    return CalibrationPoint(graded, rank(graded.self_verdict.altitude) - rank(graded.peer.altitude),
                            sum(gaps) / len(gaps) if gaps else None, len(gaps))


def calibration_series(rounds: Sequence[GradedRound]) -> list[CalibrationPoint]:
    return [calibration_point(g) for g in sorted(rounds, key=lambda g: (g.starts_at, g.round_id))]


def mean_abs_level_gap(points: Sequence[CalibrationPoint]) -> float | None:
    if not points:
        return None
    return sum(abs(p.level_gap) for p in points) / len(points)


# --- the five self-grade questions ---------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    round: GradedRound
    answers: Mapping[str, str | None]  # question -> yes/partly/no as the candidate answered
    moving: Mapping[str, float | None]  # question -> moving average of the scores, 0..1


def self_grade_trend(rounds: Sequence[GradedRound], keys: Sequence[str],
                     window: int = TREND_WINDOW) -> list[TrendPoint]:
    """The candidate's own answers to the five questions, round by round, with the moving
    average (yes 1, partly 0.5, no 0) over the last `window` rounds that answered each."""
    history: dict[str, list[float]] = {k: [] for k in keys}
    points = []
    for graded in sorted(rounds, key=lambda g: (g.starts_at, g.round_id)):
        answers: dict[str, str | None] = {}
        moving: dict[str, float | None] = {}
        for key in keys:
            answer = graded.self_answers.get(key)
            answers[key] = answer
            if answer in SELF_GRADE_SCORE:
                history[key].append(SELF_GRADE_SCORE[answer])
            recent = history[key][-window:]
            moving[key] = sum(recent) / len(recent) if recent else None
        points.append(TrendPoint(graded, answers, moving))
    return points


# --- roster signals ------------------------------------------------------------------------


def is_falling(altitudes: Sequence[str], window: int = FALLING_WINDOW) -> bool:
    """Peer verdicts oldest first: falling when the mean of the latest `k` is below the
    mean of the `k` before them, with k = min(window, half the verdicts)."""
    k = min(window, len(altitudes) // 2)
    if k == 0:
        return False
    latest = [rank(a) for a in altitudes[-k:]]
    before = [rank(a) for a in altitudes[-2 * k:-k]]
    return sum(latest) / k < sum(before) / k


@dataclass(frozen=True)
class Behind:
    dimension: str
    mean_rank: float
    gap: float  # mean_rank - rank(target), below zero


def most_behind(score_sets: Sequence[Mapping[str, str]], target: str,
                order: Sequence[str] = ()) -> Behind | None:
    """Over a few recent peer grades' rubric scores, the dimension whose mean altitude is
    furthest below `target` (ties go to the earlier dimension in `order`, then by name);
    None when nothing is below target."""
    found: dict[str, list[int]] = {}
    for scores in score_sets:
        for key, altitude in scores.items():
            found.setdefault(key, []).append(rank(altitude))
    position = {k: i for i, k in enumerate(order)}
    best: Behind | None = None
    for key in sorted(found, key=lambda k: (position.get(k, len(position)), k)):
        mean = sum(found[key]) / len(found[key])
        gap = mean - rank(target)
        if gap < 0 and (best is None or gap < best.gap):
            best = Behind(key, mean, gap)
    return best


# --- export --------------------------------------------------------------------------------

EXPORT_COLUMNS = ("round_id", "date", "company", "question", "question_type", "round_target",
                  "target", "verdict", "verdict_altitude", "decision", "self_verdict",
                  "self_verdict_altitude", "dimension", "dimension_name", "peer_altitude",
                  "peer_level", "self_altitude", "self_minus_peer", "peer_minus_target")


def export_rows(rounds: Sequence[GradedRound], *, target: str,
                company_names: Mapping[int | None, str],
                ladders: Mapping[int | None, Mapping[str, str]],
                dimension_names: Mapping[str, str]) -> list[dict]:
    """One row per graded round and dimension (either grade scored it), oldest first."""
    rows = []
    for graded in sorted(rounds, key=lambda g: (g.starts_at, g.round_id)):
        keys = list(graded.peer_scores) + [k for k in graded.self_scores
                                           if k not in graded.peer_scores]
        ladder = ladders.get(graded.company_id)
        for key in keys:
            peer, own = graded.peer_scores.get(key), graded.self_scores.get(key)
            rows.append({
                "round_id": graded.round_id,
                "date": graded.starts_at.isoformat(),
                "company": company_names.get(graded.company_id, ""),
                "question": graded.question_title,
                "question_type": graded.question_type,
                "round_target": graded.round_target,
                "target": target,
                "verdict": graded.peer.label,
                "verdict_altitude": graded.peer.altitude,
                "decision": graded.peer.decision,
                "self_verdict": graded.self_verdict.label,
                "self_verdict_altitude": graded.self_verdict.altitude,
                "dimension": key,
                "dimension_name": dimension_names.get(key, key),
                "peer_altitude": peer or "",
                "peer_level": level_name(ladder, peer) if peer else "",
                "self_altitude": own or "",
                "self_minus_peer": rank(own) - rank(peer) if peer and own else "",
                "peer_minus_target": rank(peer) - rank(target) if peer else "",
            })
    return rows
