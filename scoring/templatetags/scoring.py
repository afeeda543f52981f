"""The grading panel of the mocks dashboard: rounds to grade, re-attempts, calibration."""

from __future__ import annotations

from django import template

from scoring import selectors

register = template.Library()


@register.inclusion_tag("scoring/partials/dashboard_panel.html", takes_context=True)
def grading_panel(context):
    user = context["request"].user
    return {"user": user, "awaiting": selectors.rounds_awaiting_grade(user),
            "reattempts": selectors.reattempts_for_dashboard(user),
            "calibration": selectors.calibration_summary(user)}
