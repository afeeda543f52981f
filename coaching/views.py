"""Coach links: invite, accept, choose what is shared, end."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.services import profile_for
from coaching import selectors, services
from coaching.forms import CoachInviteForm, SharesForm


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
