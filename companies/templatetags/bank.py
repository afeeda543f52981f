"""Template helpers for bank text: Markdown without raw HTML, and readable labels."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
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


@register.simple_tag
def mockloop_mark(question, part: str, text: str = "written for Mockloop") -> str:
    """A small tag beside a part that was written for Mockloop rather than taken from
    the source documents; nothing beside a part that comes from the documents."""
    if not question.part_written_for_mockloop(part):
        return ""
    return format_html('<span class="tag ours" data-testid="written-for-mockloop" '
                       'data-part="{}">{}</span>', part, text)
