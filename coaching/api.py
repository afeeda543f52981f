"""Progress and roster through the API, under the pages' rules: a candidate reads their own
progress, a coach the progress of a candidate linked to them (grade figures only when
grades are shared, upcoming mocks only when those are); anyone else gets 404. Errors have
the shape of config/api_errors.py."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import profile_for
from coaching import dashboard, history, selectors
from coaching.forms import ProgressFilterForm, RosterFilterForm
from companies.bank_schema import ALTITUDES

PROGRESS_PARAMETERS = [
    OpenApiParameter("period", str, enum=list(dashboard.PERIODS),
                     description="Days back (30, 90, 180, 365) or all (the default)."),
    OpenApiParameter("company", str, description="A company slug, e.g. meta."),
]


def _progress_json(report: dashboard.ProgressReport) -> dict:
    access, catalog = report.access, report.catalog
    body: dict = {
        "candidate": {"id": access.candidate.pk, "name": access.name},
        "shared": {"grades": access.grades, "upcoming": access.upcoming},
        "filters": {"period": report.filters.period,
                    "company": (catalog.companies[report.filters.company_id].slug
                                if report.filters.company_id is not None else None)},
        "target": {"altitude": report.target.level,
                   "companies": [{"name": name, "level": level}
                                 for name, level in report.target_names]},
        "altitudes": list(ALTITUDES),
        "coverage": {
            "rounds": report.coverage.rounds,
            "focus_areas": [{"area": r.area, "practised": r.practised,
                             "stressed_by": list(r.emphasised_by), "gap": r.gap}
                            for r in report.coverage.focus],
            "question_types": [{"type": r.question_type, "practised": r.practised,
                                "practised_share": round(r.practised_share, 4),
                                "company_shares": {c.name: round(s, 4) for c, s in
                                                   zip(report.coverage.companies,
                                                       r.company_shares, strict=True)},
                                "gap": r.gap} for r in report.coverage.types],
        },
        "upcoming": None, "graded_rounds": None, "dimensions": None, "company_grid": None,
        "calibration": None, "self_grade_trend": None, "most_behind": None,
        "reattempts": None, "rows": None,
    }
    if access.upcoming:
        body["upcoming"] = [{"starts_at": row["starts_at"], "company": row["company"],
                             "target_level": row["target"]} for row in report.upcoming_rows()]
    if not access.grades:
        return body
    body["graded_rounds"] = len(report.graded)
    body["dimensions"] = [{"key": s.key, "name": report.dimension_name(s.key),
                           "points": [{"round": g.round_id, "starts_at": g.starts_at,
                                       "altitude": a} for g, a in s.points]}
                          for s in report.series]
    body["company_grid"] = [{
        "company": item["company"], "target_level": item["row"].target_level,
        "latest_verdict": item["row"].verdict.label if item["row"].verdict else None,
        "graded_rounds": item["row"].rounds,
        "cells": {cell.dimension: {"altitude": cell.altitude, "level": cell.level or None,
                                   "status": cell.status} for cell, _ in item["cells"]},
    } for item in report.grid_rows()]
    body["calibration"] = [{"round": p.round.round_id, "starts_at": p.round.starts_at,
                            "level_gap": p.level_gap,
                            "rubric_gap": (round(p.rubric_gap, 4)
                                           if p.rubric_gap is not None else None)}
                           for p in report.calibration]
    body["self_grade_trend"] = [{"round": p.round.round_id, "starts_at": p.round.starts_at,
                                 "answers": dict(p.answers),
                                 "moving_average": {k: (round(v, 4) if v is not None else None)
                                                    for k, v in p.moving.items()}}
                                for p in report.trend]
    body["most_behind"] = (None if report.behind is None else {
        "dimension": report.behind.dimension, "name": report.behind_name,
        "gap": round(report.behind.gap, 4)})
    body["reattempts"] = [{"question": row["item"].question.title, "company": row["company"],
                           "graded": row["graded"], "target": row["target"],
                           "due_at": row["item"].due_at, "due": row["due"]}
                          for row in report.reattempt_rows()]
    body["rows"] = report.export_rows()
    return body


class ProgressApi(APIView):
    """GET a candidate's progress: yours (`/api/progress/`) or that of a candidate linked
    to you as coach (`/api/candidates/{id}/progress/`). `rows` holds what the CSV export
    holds: one row per graded round and dimension."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PROGRESS_PARAMETERS, responses={200: dict})
    def get(self, request, candidate_id: int | None = None):
        try:
            access = selectors.progress_access(request.user, candidate_id)
        except Http404 as exc:
            raise NotFound(str(exc)) from None
        catalog = history.load_catalog()
        form = ProgressFilterForm(request.query_params,
                                  companies=list(catalog.companies.values()))
        if not form.is_valid():
            raise ValidationError(form.errors)
        report = dashboard.progress_report(access, form.filters(), catalog=catalog)
        return Response(_progress_json(report))


class RosterApi(APIView):
    """GET the coach's roster: every linked candidate with the roster's columns."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[
        OpenApiParameter("q", str, description="Part of a candidate's name."),
        OpenApiParameter("company", str, description="A target company slug."),
        OpenApiParameter("flagged", bool, description="Only flagged candidates."),
        OpenApiParameter("sort", str, enum=list(dashboard.ROSTER_SORTS)),
        OpenApiParameter("order", str, enum=["asc", "desc"]),
    ], responses={200: dict})
    def get(self, request):
        if not profile_for(request.user).is_coach:
            raise PermissionDenied("Only coach accounts have a roster.")
        catalog = history.load_catalog()
        form = RosterFilterForm(request.query_params, companies=list(catalog.companies.values()))
        if not form.is_valid():
            raise ValidationError(form.errors)
        rows = dashboard.roster(selectors.active_links_of_coach(request.user), form.filters(),
                                catalog=catalog)
        return Response({"candidates": [{
            "id": r.candidate_id, "name": r.name, "target_altitude": r.target_level,
            "targets": [{"company": c, "level": level} for c, level in r.targets],
            "mocks_30d": r.mocks_30d, "last_mock": r.last_mock, "no_shows_90d": r.no_shows,
            "shares_grades": r.shares_grades,
            "latest_verdicts": ([{"verdict": v, "company": c} for v, c in r.latest_verdicts]
                                if r.shares_grades else None),
            "most_behind": ({"dimension": r.behind.dimension, "name": r.behind_name,
                             "gap": round(r.behind.gap, 4)} if r.behind else None),
            "flags": r.flags,
        } for r in rows]})
