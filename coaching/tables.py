"""The rows of the progress page's three long data tables, built as HTML strings.

These tables grow with the history (one row per graded round), and the template engine
spends about a millisecond per row on them, so a 200-round page would take well over the
150 ms budget in template loops alone. Everything else on the page stays in templates;
every value here goes through `escape`.
"""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from coaching.dashboard import ProgressReport

ROUND_ID = 999_999_999  # a placeholder, replaced per row, so reverse() runs once


def _day(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d")


def _signed(value: float, digits: int = 0) -> str:
    text = f"{value:.{digits}f}"
    return f"+{text}" if value > 0 else text


def dimension_rows(report: ProgressReport) -> SafeString:
    """Date, company, question (a link to the round's report for the candidate), verdict,
    then one altitude per dimension; newest first."""
    link = reverse("scoring:round_report", args=[ROUND_ID]) if report.access.own else None
    out = []
    for graded in reversed(report.graded):
        title = escape(graded.question_title)
        if link:
            title = f'<a href="{link.replace(str(ROUND_ID), str(graded.round_id))}">{title}</a>'
        cells = [f'<tr data-round="{graded.round_id}"><td>{_day(graded.starts_at)}</td>'
                 f"<td>{escape(report.company_name(graded.company_id))}</td><td>{title}</td>"
                 f'<td data-altitude="{graded.peer.altitude}">{escape(graded.peer.label)}</td>']
        for key in report.dimensions:
            altitude = graded.peer_scores.get(key)
            if altitude:
                cells.append(f'<td data-dimension="{escape(key)}" data-altitude="{altitude}" '
                             f'class="alt-{altitude}">{altitude.capitalize()}</td>')
            else:
                cells.append(f'<td data-dimension="{escape(key)}" data-altitude="">—</td>')
        cells.append("</tr>")
        out.append("".join(cells))
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def calibration_rows(report: ProgressReport) -> SafeString:
    out = []
    for point in reversed(report.calibration):
        graded = point.round
        rubric = "—" if point.rubric_gap is None else _signed(point.rubric_gap, 2)
        out.append(
            f'<tr data-round="{graded.round_id}"><td>{_day(graded.starts_at)}</td>'
            f"<td>{escape(graded.self_verdict.label)}</td><td>{escape(graded.peer.label)}</td>"
            f'<td data-field="level-gap">{_signed(point.level_gap)}</td>'
            f'<td data-field="rubric-gap">{rubric}</td></tr>')
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def trend_rows(report: ProgressReport) -> SafeString:
    keys = report.catalog.self_grade_keys
    out = []
    for point in reversed(report.trend):
        cells = [f'<tr data-round="{point.round.round_id}"><td>{_day(point.round.starts_at)}</td>']
        for key in keys:
            answer, moving = point.answers.get(key), point.moving.get(key)
            shown = escape(answer) if answer else "—"
            if moving is None:
                cells.append(f'<td data-question="{escape(key)}" data-moving="">{shown}</td>')
            else:
                cells.append(f'<td data-question="{escape(key)}" data-moving="{moving:.2f}">'
                             f'{shown} <span class="muted">({moving:.2f})</span></td>')
        cells.append("</tr>")
        out.append("".join(cells))
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
