"""Coach links: invite, accept, choose what is shared, end."""

from __future__ import annotations

import csv
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.services import profile_for
from coaching import dashboard, history, selectors, services, tables
from coaching.forms import (
    CoachInviteForm,
    ProgressFilterForm,
    RosterFilterForm,
    SharesForm,
)
from coaching.progress import EXPORT_COLUMNS
from coaching.selectors import ProgressAccess
from interviews.access import round_for


@login_required
def links(request):
    """A candidate's coaches, or a coach's candidates, with the ways to add and end links."""
    is_coach = profile_for(request.user).is_coach
    invite_form = CoachInviteForm()
    if request.method == "POST" and not is_coach:
        invite_form = CoachInviteForm(request.POST)
        if invite_form.is_valid():
            try:
                services.coach_invite_by_email(candidate=request.user,
                                               email=invite_form.cleaned_data["email"])
            except services.CoachingError as exc:
                invite_form.add_error("email", str(exc))
            else:
                messages.success(request, f"Invitation sent to "
                                          f"{invite_form.cleaned_data['email']}.")
                return redirect("coaching:links")
    if is_coach:
        rows = [(link, None) for link in selectors.links_of_coach(request.user)]
    else:
        rows = [(link, SharesForm.for_link(link))
                for link in selectors.links_of_candidate(request.user)]
    return render(request, "coaching/links.html", {
        "is_coach": is_coach, "rows": rows, "invite_form": invite_form},
        status=400 if invite_form.errors else 200)


@login_required
@require_POST
def link_create(request):
    try:
        link = services.coach_link_create(coach=request.user)
    except services.CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Link created: send it to your candidate.")
        return redirect(reverse("coaching:links") + f"#link-{link.pk}")
    return redirect("coaching:links")


@login_required
def accept(request, token: str):
    link = selectors.pending_link_by_token(token)
    if request.method == "POST":
        shares = None
        if link.started_by == link.Side.COACH:  # the candidate chooses what to share
            form = SharesForm(request.POST)
            form.is_valid()
            shares = form.cleaned_data
        try:
            services.coach_link_accept(token=token, user=request.user, shares=shares)
        except services.CoachingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "You are linked.")
            return redirect("coaching:links")
    return render(request, "coaching/accept.html", {
        "link": link, "shares_form": SharesForm(initial=dict.fromkeys(link.SHARES, True)),
        "accepting_as_candidate": link.started_by == link.Side.COACH})


@login_required
@require_POST
def shares_update(request, link_id: int):
    link = selectors.link_get_for_user(request.user, link_id)
    form = SharesForm.for_link(link, request.POST)
    form.is_valid()
    try:
        services.coach_link_update_shares(link=link, by=request.user,
                                          shares=form.cleaned_data)
    except services.CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Sharing updated.")
    return redirect("coaching:links")


@login_required
@require_POST
def link_end(request, link_id: int):
    link = selectors.link_get_for_user(request.user, link_id)
    services.coach_link_end(link=link, by=request.user)
    messages.success(request, "The coaching link has ended; access was removed at once.")
    return redirect("coaching:links")


# --- progress and the roster --------------------------------------------------------------


def _activate_zone(profile) -> None:
    try:
        timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo("UTC"))


def _progress_urls(access: ProgressAccess) -> dict[str, str]:
    if access.own:
        return {"page": reverse("coaching:progress"),
                "csv": reverse("coaching:progress_csv"),
                "report": reverse("coaching:progress_report")}
    pk = access.candidate.pk
    return {"page": reverse("coaching:candidate_progress", args=[pk]),
            "csv": reverse("coaching:candidate_progress_csv", args=[pk]),
            "report": reverse("coaching:candidate_progress_report", args=[pk])}


def _page_context(access, form, report) -> dict:
    context = {"access": access, "form": form, "report": report,
               "urls": _progress_urls(access), "charts": None, "tables": None}
    if report is not None:
        context["charts"] = dashboard.chart_data(report)
        context["tables"] = {"dimension": tables.dimension_rows(report),
                             "calibration": tables.calibration_rows(report),
                             "trend": tables.trend_rows(report)}
    return context


def _progress(request, candidate_id: int | None, viewer=None):
    """(access, form, report or None) for a progress view; the report is None when the
    filters are invalid."""
    viewer = viewer or profile_for(request.user)
    access = selectors.progress_access(request.user, candidate_id, viewer_profile=viewer)
    _activate_zone(viewer)
    catalog = history.load_catalog()
    form = ProgressFilterForm(request.GET, companies=list(catalog.companies.values()))
    if not form.is_valid():
        return access, form, None
    return access, form, dashboard.progress_report(access, form.filters(), catalog=catalog)


@login_required
def progress(request, candidate_id: int | None = None):
    """A candidate's progress: their own, or a linked coach's view of what they share."""
    viewer = profile_for(request.user)
    if candidate_id is None and viewer.is_coach:
        return redirect("coaching:roster")  # a coach's own "progress" is their roster
    access, form, report = _progress(request, candidate_id, viewer)
    template = ("coaching/partials/progress_body.html" if request.htmx
                else "coaching/progress.html")
    return render(request, template, _page_context(access, form, report),
                  status=200 if report else 400)


@login_required
def progress_report(request, candidate_id: int | None = None):
    """The same figures laid out to print."""
    access, form, report = _progress(request, candidate_id)
    return render(request, "coaching/progress_report.html",
                  {**_page_context(access, form, report), "printable": True},
                  status=200 if report else 400)


@login_required
def progress_csv(request, candidate_id: int | None = None):
    """One row per graded round and dimension; only when grades are shared."""
    access, form, report = _progress(request, candidate_id)
    if report is None:
        return HttpResponseBadRequest("; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
            content_type="text/plain; charset=utf-8")
    if not access.grades:
        raise Http404("This candidate does not share their grades with you.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = report.generated_at.date().isoformat()
    response["Content-Disposition"] = (f'attachment; filename="progress-'
                                       f'{access.candidate.get_username()}-{stamp}.csv"')
    writer = csv.DictWriter(response, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(report.export_rows())
    return response


@login_required
def roster(request):
    """All the coach's linked candidates in one sortable, filterable table."""
    viewer = profile_for(request.user)
    if not viewer.is_coach:
        raise PermissionDenied("Only coach accounts have a roster.")
    _activate_zone(viewer)
    catalog = history.load_catalog()
    form = RosterFilterForm(request.GET, companies=list(catalog.companies.values()))
    rows = None
    if form.is_valid():
        rows = dashboard.roster(selectors.active_links_of_coach(request.user), form.filters(),
                                catalog=catalog)
    template = "coaching/partials/roster_table.html" if request.htmx else "coaching/roster.html"
    return render(request, template, {"form": form, "rows": rows,
                                      "filters": form.filters() if rows is not None else None},
                  status=200 if rows is not None else 400)


@login_required
@require_POST
def round_comment(request, round_id: int):
    round_, access = round_for(request.user, round_id, may="report")
    try:
        services.coach_comment_add(access=access, text=request.POST.get("text", ""))
    except services.CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Comment added; the candidate sees it on this report.")
    return redirect(reverse("scoring:round_report", args=[round_.pk]) + "#coach-comments")
