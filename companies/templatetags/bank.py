"""Template helpers for bank text: Markdown without raw HTML, and readable labels."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@register.filter
def markdown(text: str) -> str:
    # Raw HTML is disabled, so the output holds only what Markdown itself produces.
    return mark_safe(_markdown.render(text or ""))  # noqa: S308


@register.filter
def label(slug: str) -> str:
    return (slug or "").replace("-", " ")


@register.filter
def altitude_name(company, altitude: str) -> str:
    return company.level_for_altitude(altitude)
