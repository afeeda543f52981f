"""Markdown and PDF of a report, in the interviewer-notes layout.

The PDF is the Markdown rendered to HTML (raw HTML off, so user text stays text) and laid
out by fpdf2 with a bundled DejaVu font, which covers far more than Latin-1.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from django.conf import settings
from markdown_it import MarkdownIt

from config.localtime import local
from scoring.report import Comparison, GradeView, Report

FONTS = Path(__file__).resolve().parent / "fonts"
# fpdf2 subsets the font with fontTools, which narrates every step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def escape(text: str) -> str:
    """User text as literal Markdown on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def absolute(url: str, base: str) -> str:
    return url if "://" in url else f"{base}{url}"


def _cites(citations, base: str) -> str:
    return "".join(f" [{c.timestamp}]({absolute(c.url, base)})" for c in citations)


def _grade_markdown(view: GradeView, base: str) -> list[str]:
    grade = view.grade
    out = [f"## {escape(view.heading)}", ""]
    meta = f"Submitted {local(grade.submitted_at)}"
    if grade.is_frozen and grade.round_id:
        meta += " · final"
    if view.grader_calibration:
        c = view.grader_calibration
        meta += (f" · grader calibration {c.score}/100 over {c.examples} example"
                 f"{'s' if c.examples != 1 else ''} ({c.tendency})")
    out += [meta, ""]
    for title, bullets in (("What the candidate did well", view.did_well),
                           ("What was missing or under-developed", view.missing)):
        out += [f"### {title}", ""]
        out += [f"- {escape(b.text)}{_cites(b.citations, base)}" for b in bullets] or ["- (none)"]
        out.append("")
    out += ["### Verdict", "", f"**{escape(view.verdict)}** ({grade.level_altitude}) · "
            f"{view.decision}", "",
            f"What would have swung the call to the next level: {escape(grade.swing)}", ""]
    if view.suggestion.altitude:
        out += [f"Suggested by the grading checklist: **{view.suggestion.altitude}**. "
                + " ".join(escape(r) for r in view.suggestion.reasons), ""]
    if view.disagreement:
        out += [f"Note: {escape(view.disagreement)}", ""]
    out += ["### Rubric", "", "| Dimension | Altitude | Descriptor |", "| --- | --- | --- |"]
    out += [f"| {escape(name)} | {altitude} | {escape(descriptor)} |"
            for _, name, altitude, descriptor in view.rubric]
    out += ["", "### The five self-grade questions", "", "| Question | Answer | Note |",
            "| --- | --- | --- |"]
    out += [f"| {label} | {answer} | {escape(note)} |" for label, answer, note in view.self_grade]
    out += ["", "### Grading checklist", ""]
    if view.closest_column:
        out.append(f"- Closest rubric column: {view.closest_column}")
    out += [f"- {label}: {'yes' if value else 'no'}" for label, value in view.checklist]
    out.append("")
    if grade.notes:
        out += ["### Notes", "", escape(grade.notes), ""]
    if view.amendments:
        out += ["### Amendments", ""]
        out += [f"- {local(when)}, {escape(author)}: {escape(text)}"
                for author, when, text in view.amendments]
        out.append("")
    if view.annotations:
        out += ["### Gap annotations (what I should have said)", ""]
        out += [f"- {escape(name)}: {escape(text)}" for name, text in view.annotations]
        out.append("")
    return out


def _comparison_markdown(comparison: Comparison) -> list[str]:
    left, right = escape(comparison.left_label), escape(comparison.right_label)
    out = ["## Calibration gap", ""]
    if comparison.score is not None:
        out += [f"Calibration score: **{comparison.score}/100**", ""]
    out += [f"| | {left} | {right} | Gap |", "| --- | --- | --- | --- |"]
    for row in [comparison.verdict, *comparison.rubric]:
        gap = "" if row.gap is None else f"{row.gap:+d}"
        out.append(f"| {escape(row.name)} | {escape(row.left)} | {escape(row.right)} | {gap} |")
    out += ["", f"Mean rubric gap: {comparison.mean_gap:.1f} altitude", ""]
    return out


def report_markdown(report: Report, *, base: str | None = None) -> str:
    base = base if base is not None else settings.SITE_URL
    out = [f"# {escape(report.title)}", ""]
    out += [f"- {escape(fact)}" for fact in report.facts]
    out += ["", "## The question", "", report.prompt.strip(), ""]  # bank Markdown, kept
    for message in report.waiting:
        out += [f"> {escape(message)}", ""]
    for view in report.grades:
        out += _grade_markdown(view, base)
    if report.comparison:
        out += _comparison_markdown(report.comparison)
    if report.history:
        out += ["## Attempts at this question", ""]
        out += [f"- {escape(label)}: {altitude}" for label, altitude in report.history]
        if report.history_delta is not None:
            out.append(f"- Change since the previous attempt: {report.history_delta:+d} "
                       "altitude")
        out.append("")
    out += ["## Transcript", ""]
    out += [f"- [{line.timestamp}]({absolute(line.url, base)}) **{line.role.upper()}:** "
            f"{escape(line.text)}" for line in report.transcript] or [f"({report.transcript_note})"]
    return "\n".join(out) + "\n"


def report_pdf(report: Report, *, base: str | None = None) -> bytes:
    from fpdf import FPDF

    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(
        report_markdown(report, base=base))
    pdf = FPDF(format="A4")
    pdf.set_title(report.title)
    pdf.set_creator("Mockloop")
    regular, bold = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
    # The two files stand in for the italic styles too, which the report never asks for.
    for style, path in (("", regular), ("B", bold), ("I", regular), ("BI", bold)):
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    pdf.write_html(html, font_family="DejaVu")
    return bytes(pdf.output())
