"""The progress page and the roster as data: what the pages, the exports and the API show.

Each builder reads through `coaching.history` (a fixed number of queries) and computes with
`coaching.progress` (no queries), so both pages cost the same whatever the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from coaching import history
from coaching.progress import (
    RECENT_ROUNDS,
    Behind,
    CalibrationPoint,
    Coverage,
    DimensionSeries,
    GradedRound,
    GridRow,
    TrendPoint,
    Verdict,
    calibration_series,
    company_grid,
    coverage,
    dimension_order,
    dimension_series,
    export_rows,
    is_falling,
    level_name,
    mean_abs_level_gap,
    most_behind,
    rank,
    self_grade_trend,
)
from coaching.selectors import ProgressAccess
from companies.bank_schema import ALTITUDES
from companies.models import QuestionType

PERIODS = {"all": None, "30": 30, "90": 90, "180": 180, "365": 365}
PERIOD_LABELS = {"all": "All time", "30": "Last 30 days", "90": "Last 90 days",
                 "180": "Last 6 months", "365": "Last 12 months"}
IDLE_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class Filters:
    period: str = "all"
    company_id: int | None = None

    def since(self, now: datetime) -> datetime | None:
        days = PERIODS[self.period]
        return now - timedelta(days=days) if days else None


@dataclass
class ProgressReport:
    access: ProgressAccess
    filters: Filters
    catalog: history.Catalog
    target: history.Target
    generated_at: datetime
    coverage: Coverage
    graded: list[GradedRound] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    dimension_names: dict[str, str] = field(default_factory=dict)
    series: list[DimensionSeries] = field(default_factory=list)
    grid: list[GridRow] = field(default_factory=list)
    calibration: list[CalibrationPoint] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    behind: Behind | None = None
    reattempts: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        company = (self.company_name(self.filters.company_id)
                   if self.filters.company_id is not None else "all companies")
        return f"{PERIOD_LABELS[self.filters.period]} · {company}"

    @property
    def target_company_names(self) -> list[str]:
        return [self.catalog.company_name(pk) for pk in self.target.company_ids]

    @property
    def latest_verdict(self) -> Verdict | None:
        return self.graded[-1].peer if self.graded else None

    @property
    def mean_level_gap(self) -> float | None:
        return mean_abs_level_gap(self.calibration)

    def dimension_name(self, key: str) -> str:
        return self.dimension_names.get(key, key.replace("-", " ").capitalize())

    def company_name(self, company_id: int | None) -> str:
        return self.catalog.company_name(company_id)

    # --- rows for the tables beside the charts (templates cannot pass arguments) ---

    @property
    def behind_name(self) -> str:
        return self.dimension_name(self.behind.dimension) if self.behind else ""

    def series_rows(self) -> list[tuple[DimensionSeries, str]]:
        return [(s, self.dimension_name(s.key)) for s in self.series]

    def dimension_headers(self) -> list[tuple[str, str]]:
        return [(key, self.dimension_name(key)) for key in self.dimensions]

    def grid_rows(self) -> list[dict]:
        rows = []
        for row in self.grid:
            company = self.catalog.companies.get(row.company_id)
            rows.append({"row": row, "company": self.company_name(row.company_id),
                         "slug": company.slug if company else "",
                         "cells": [(cell, self.dimension_name(cell.dimension))
                                   for cell in row.cells]})
        return rows

    def type_rows(self) -> list[dict]:
        return [{"row": row, "label": QuestionType(row.question_type).label,
                 "shares": [round(100 * s) for s in row.company_shares]}
                for row in self.coverage.types]

    def self_grade_headers(self) -> list[tuple[str, str]]:
        return [(k, self.catalog.self_grade_labels[k]) for k in self.catalog.self_grade_keys]

    def reattempt_rows(self) -> list[dict]:
        now = self.generated_at
        rows = []
        for item in self.reattempts:
            ladder = self.catalog.ladder(item.round.company_id)
            rows.append({"item": item, "company": self.company_name(item.round.company_id),
                         "graded": level_name(ladder, item.graded_altitude),
                         "target": level_name(ladder, item.target_level),
                         "due": item.due_at <= now})
        return rows

    def upcoming_rows(self) -> list[dict]:
        return [{"round": r, "starts_at": r.session.starts_at,
                 "company": self.company_name(r.company_id),
                 "target": level_name(self.catalog.ladder(r.company_id), r.target_level)}
                for r in self.upcoming]

    @property
    def target_names(self) -> list[tuple[str, str]]:
        return [(self.catalog.company_name(pk),
                 level_name(self.catalog.ladder(pk), self.target.level))
                for pk in self.target.company_ids]

    def export_rows(self) -> list[dict]:
        return export_rows(self.graded, target=self.target.level,
                           company_names=self.catalog.company_names,
                           ladders=self.catalog.ladders, dimension_names=self.dimension_names)


def progress_report(access: ProgressAccess, filters: Filters, *,
                    now: datetime | None = None,
                    catalog: history.Catalog | None = None) -> ProgressReport:
    """Everything the progress page shows of `access.candidate`, limited to what the viewer
    may see: without shared grades no grade is even read."""
    now = now or timezone.now()
    catalog = catalog or history.load_catalog()
    candidate_id = access.candidate.pk
    target = history.load_target(candidate_id)
    loaded = history.load_history(candidate_id, now=now, since=filters.since(now),
                                  company_id=filters.company_id)
    focus_ids = ([filters.company_id] if filters.company_id is not None
                 else target.company_ids)
    report = ProgressReport(
        access=access, filters=filters, catalog=catalog, target=target, generated_at=now,
        coverage=coverage(loaded.practised, history.load_company_focus(focus_ids, catalog),
                          QuestionType.values))
    if access.upcoming:
        report.upcoming = history.upcoming_rounds(candidate_id, now=now)
    if not access.grades:
        return report
    graded = loaded.graded
    report.graded = graded
    report.dimensions = dimension_order(graded, catalog.rubric_order)
    report.dimension_names = {**loaded.dimension_names, **catalog.dimension_names}
    report.series = dimension_series(graded, report.dimensions)
    if filters.company_id is not None:
        grid_ids: list[int | None] = [filters.company_id]
    else:
        seen = list(dict.fromkeys(g.company_id for g in graded))
        grid_ids = [*target.company_ids,
                    *sorted((pk for pk in seen if pk not in target.company_ids),
                            key=lambda pk: (pk is None, catalog.company_name(pk)))]
    report.grid = company_grid(graded, company_ids=grid_ids, dimensions=report.dimensions,
                               target=target.level, ladders=catalog.ladders)
    report.calibration = calibration_series(graded)
    report.trend = self_grade_trend(graded, catalog.self_grade_keys)
    report.behind = most_behind([g.peer_scores for g in graded[-RECENT_ROUNDS:]],
                                target.level, report.dimensions)
    report.reattempts = history.pending_reattempts(candidate_id)
    return report


def _day(when: datetime) -> str:
    return timezone.localtime(when).date().isoformat()


def chart_data(report: ProgressReport) -> dict:
    """What static/js/progress.js draws; the tables beside the charts hold the same."""
    data: dict = {"altitudes": [a.capitalize() for a in ALTITUDES],
                  "target": rank(report.target.level)}
    data["dimensions"] = [{
        "key": s.key, "name": report.dimension_name(s.key),
        "labels": [_day(g.starts_at) for g, _ in s.points],
        "values": [rank(a) for _, a in s.points]} for s in report.series]
    data["calibration"] = {
        "labels": [_day(p.round.starts_at) for p in report.calibration],
        "level_gap": [p.level_gap for p in report.calibration],
        "rubric_gap": [round(p.rubric_gap, 2) if p.rubric_gap is not None else None
                       for p in report.calibration]}
    data["self_grade"] = {
        "labels": [_day(p.round.starts_at) for p in report.trend],
        "series": [{"key": k, "name": report.catalog.self_grade_labels[k],
                    "values": [round(p.moving[k], 2) if p.moving[k] is not None else None
                               for p in report.trend]}
                   for k in report.catalog.self_grade_keys]}
    cov = report.coverage
    data["focus"] = {"labels": [row.area for row in cov.focus],
                     "values": [row.practised for row in cov.focus],
                     "gaps": [row.gap for row in cov.focus]}
    data["types"] = {"labels": [QuestionType(row.question_type).label for row in cov.types],
                     "series": [{"name": "Your mocks",
                                 "values": [round(100 * r.practised_share) for r in cov.types]}]
                     + [{"name": c.name,
                         "values": [round(100 * r.company_shares[i]) for r in cov.types]}
                        for i, c in enumerate(cov.companies)]}
    return data


# --- the roster ---------------------------------------------------------------------------


@dataclass
class RosterRow:
    candidate_id: int
    name: str
    shares_grades: bool
    target_level: str
    targets: list[tuple[str, str]]  # (company name, its name for the target level)
    mocks_30d: int
    last_mock: datetime | None
    no_shows: int
    latest_verdicts: list[tuple[str, str]]  # (verdict label, company name), newest first
    behind: Behind | None
    behind_name: str
    falling: bool
    idle: bool

    @property
    def flagged(self) -> bool:
        return self.idle or self.falling

    @property
    def flags(self) -> list[str]:
        found = []
        if self.idle:
            found.append("no mock in 14 days")
        if self.falling:
            found.append("falling verdicts")
        return found


ROSTER_SORTS = {
    "name": lambda r: r.name.lower(),
    "mocks": lambda r: r.mocks_30d,
    "last": lambda r: r.last_mock.timestamp() if r.last_mock else 0.0,
    "no_shows": lambda r: r.no_shows,
    "behind": lambda r: r.behind.gap if r.behind else 0.0,
    "flag": lambda r: (len(r.flags), r.name.lower()),
}


@dataclass(frozen=True)
class RosterFilters:
    q: str = ""
    company_id: int | None = None
    flagged: bool = False
    sort: str = "name"
    descending: bool = False


def roster(links, filters: RosterFilters, *, now: datetime | None = None,
           catalog: history.Catalog | None = None) -> list[RosterRow]:
    """One row per active link of the coach; grade-derived columns only where the
    candidate shares grades."""
    now = now or timezone.now()
    catalog = catalog or history.load_catalog()
    ids = [link.candidate_id for link in links]
    targets = history.load_targets(ids)
    activity = history.load_activity(ids, now=now)
    rows = []
    for link in links:
        target, seen = targets[link.candidate_id], activity[link.candidate_id]
        shares = link.share_grades
        recent = seen.recent if shares else []
        behind = most_behind([g["scores"] for g in recent[:RECENT_ROUNDS]], target.level,
                             catalog.rubric_order)
        rows.append(RosterRow(
            candidate_id=link.candidate_id, name=link.candidate.profile.name,
            shares_grades=shares, target_level=target.level,
            targets=[(catalog.company_name(pk), level_name(catalog.ladder(pk), target.level))
                     for pk in target.company_ids],
            mocks_30d=seen.mocks_30d, last_mock=seen.last_mock, no_shows=seen.no_shows,
            latest_verdicts=[(g["verdict"].label, catalog.company_name(g["company_id"]))
                             for g in recent[:3]],
            behind=behind,
            behind_name=(catalog.dimension_names.get(behind.dimension,
                                                     behind.dimension.replace("-", " ")
                                                     .capitalize()) if behind else ""),
            falling=is_falling([g["level_altitude"] for g in reversed(recent)]),
            idle=seen.last_mock is None or now - seen.last_mock > IDLE_AFTER))
    return _filtered_sorted(rows, filters, targets)


def _filtered_sorted(rows: list[RosterRow], filters: RosterFilters,
                     targets: dict[int, history.Target]) -> list[RosterRow]:
    needle = filters.q.strip().lower()
    if needle:
        rows = [r for r in rows if needle in r.name.lower()]
    if filters.company_id is not None:
        rows = [r for r in rows if filters.company_id in targets[r.candidate_id].company_ids]
    if filters.flagged:
        rows = [r for r in rows if r.flagged]
    rows.sort(key=lambda r: r.name.lower())  # ties keep alphabetical order
    rows.sort(key=ROSTER_SORTS[filters.sort], reverse=filters.descending)
    return rows
