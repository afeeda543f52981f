"""The roster's sortable column headings."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, filters) -> str:
    """A column heading that sorts the roster by `key`; choosing the current column again
    reverses the order. Works as a plain link and through htmx."""
    active = filters is not None and filters.sort == key
    descending = active and filters.descending
    query = context["request"].GET.copy()
    query["sort"] = key
    query["order"] = "asc" if descending or not active else "desc"
    url = f"{reverse('coaching:roster')}?{query.urlencode()}"
    state = ("descending" if descending else "ascending") if active else "none"
    arrow = ("▼" if descending else "▲") if active else ""
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="{}" hx-get="{}" hx-target="#roster" '
        'hx-push-url="true" data-sort="{}">{} <span aria-hidden="true">{}</span></a></th>',
        state, url, url, key, label, arrow)
