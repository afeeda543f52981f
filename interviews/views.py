from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.services import profile_for
from coaching import selectors as coaching_selectors
from interviews import access, selectors, services
from interviews.calendar import session_ics
from interviews.forms import (
    MockRequestForm,
    RescheduleForm,
    StandbyForm,
    WindowFormSet,
    request_input,
)
from interviews.models import NoShowReport, Standby, StandbyOffer


def _zone(user) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(profile_for(user).time_zone)


@login_required
def dashboard(request):
    user = request.user
    now = timezone.now()
    profile = profile_for(user)
    timezone.activate(_zone(user))
    if profile.is_coach:
        return redirect("coaching:roster")  # coaches follow candidates; they book nothing
    open_requests, expired_requests = selectors.dashboard_requests_for_user(user, now)
    sessions = list(selectors.upcoming_sessions_for_user(user, now))
    return render(request, "interviews/dashboard.html", {
        "profile": profile,
        "paused": profile.matching_paused(now),
        "live": [s for s in sessions if s.starts_at <= now],
        "sessions": [s for s in sessions if s.starts_at > now],
        "requests": open_requests,
        "expired": expired_requests,
        "reliability": selectors.reliability_score(user, now),
        "standby": Standby.objects.filter(user=user, until__gt=now).first(),
        "standby_form": StandbyForm(),
        "offers": selectors.open_standby_offers_for_user(user),
        "disputable": NoShowReport.objects.filter(absent=user, disputed=False)
        .select_related("session")[:5],
        "now": now,
    })


def _request_form_page(request, *, instance=None):
    user = request.user
    profile = profile_for(user)
    zone = _zone(user)
    if instance is None:
        initial = {"companies": profile.target_companies.all(),
                   "target_level": profile.target_level,
                   "role_track": profile.role_track.slug if profile.role_track else None,
                   "question_types": ["any"]}
        window_initial = None
    else:
        initial = {"companies": instance.companies.all(), "target_level": instance.target_level,
                   "role_track": instance.role_track.slug,
                   "question_types": instance.question_types,
                   "focus_areas": instance.focus_areas}
        window_initial = [{"date": w.starts_at.astimezone(zone).date(),
                           "start": w.starts_at.astimezone(zone).time(),
                           "end": w.ends_at.astimezone(zone).time()}
                          for w in instance.windows.all()]
    form = MockRequestForm(request.POST or None, initial=initial)
    windows = WindowFormSet(request.POST or None, initial=window_initial, prefix="windows")
    if request.method == "POST" and form.is_valid() and windows.is_valid():
        data = request_input(form, windows, zone)
        try:
            if instance is None:
                services.mock_request_create(user=user, data=data)
                messages.success(request, "Request posted. We will email you when a peer "
                                          "matches.")
            else:
                services.mock_request_update(request=instance, data=data)
                messages.success(request, "Request updated.")
            return redirect("interviews:dashboard")
        except services.BookingError as exc:
            target = exc.field_name if exc.field_name in form.fields else None
            if exc.field_name == "windows":
                windows._non_form_errors = windows.error_class([str(exc)])
            else:
                form.add_error(target, str(exc))
    status = 400 if request.method == "POST" else 200
    return render(request, "interviews/request_form.html", {
        "form": form, "windows": windows, "instance": instance,
        "time_zone": profile.time_zone}, status=status)


@login_required
def request_new(request):
    return _request_form_page(request)


@login_required
def request_edit(request, request_id: int):
    instance = access.request_for(request.user, request_id)
    if not instance.is_open:
        messages.error(request, "Only open requests can be edited.")
        return redirect("interviews:dashboard")
    return _request_form_page(request, instance=instance)


@login_required
@require_POST
def request_cancel(request, request_id: int):
    instance = access.request_for(request.user, request_id)
    try:
        services.mock_request_cancel(request=instance)
        messages.success(request, "Request cancelled.")
    except services.BookingError as exc:
        messages.error(request, str(exc))
    return redirect("interviews:dashboard")


@login_required
def session_detail(request, session_id: int):
    session = access.session_for(request.user, session_id)
    timezone.activate(_zone(request.user))
    peer = session.peer_of(request.user)
    return render(request, "interviews/session.html", {
        "session": session, "peer": peer,
        "peer_reliability": selectors.reliability_score(peer),
        "rounds": session.rounds.all(),
        "reschedule_form": RescheduleForm(),
        "now": timezone.now(),
        "may_move": session.may_move(),
        "offers": StandbyOffer.objects.filter(missed_session=session, offered_to=request.user,
                                              status="offered").select_related("standby_user"),
        "coach_links": coaching_selectors.links_of_candidate(request.user)
        .filter(status="active"),
    })


def _session_action(request, session_id: int, action, success: str):
    session = access.session_for(request.user, session_id)
    try:
        action(session)
        messages.success(request, success)
    except services.BookingError as exc:
        messages.error(request, str(exc))
    return redirect("interviews:session", session_id=session.pk)


@login_required
@require_POST
def session_cancel(request, session_id: int):
    return _session_action(request, session_id,
                           lambda s: services.session_cancel(session=s, by=request.user),
                           "Mock cancelled; your peer has been told.")


@login_required
@require_POST
def session_reschedule(request, session_id: int):
    access.session_for(request.user, session_id)  # someone else's mock: 404 before any form
    form = RescheduleForm(request.POST)
    with timezone.override(_zone(request.user)):  # the form's time is the user's local time
        valid = form.is_valid()
    if not valid:
        messages.error(request, "Give the new start as a date and time.")
        return redirect("interviews:session", session_id=session_id)
    starts_at = form.cleaned_data["starts_at"]
    return _session_action(
        request, session_id,
        lambda s: services.session_reschedule(session=s, by=request.user, starts_at=starts_at),
        "Mock moved; your peer has an updated invitation.")


@login_required
@require_POST
def session_no_show(request, session_id: int):
    def report(session):
        offer = services.no_show_report(session=session, reporter=request.user)
        if offer is None:
            messages.info(request, "No standby peer is free right now; your request for "
                                   "another mock stays easy to post from the dashboard.")

    return _session_action(request, session_id, report,
                           "Thanks for telling us. Your peer's reliability score reflects it.")


@login_required
def session_calendar(request, session_id: int):
    session = access.session_for(request.user, session_id)
    response = HttpResponse(session_ics(session, for_user=request.user,
                                        cancelled=not session.is_scheduled),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mockloop-{session.pk}.ics"'
    return response


@login_required
@require_POST
def round_swap(request, round_id: int):
    round_, _ = access.round_for(request.user, round_id, may="is_participant")
    return _session_action(
        request, round_.session_id,
        lambda s: services.round_swap_question(round_=round_, by=request.user),
        f"Round {round_.number} has a new question.")


@login_required
@require_POST
def standby_update(request):
    if request.POST.get("clear"):
        services.standby_clear(user=request.user)
        messages.success(request, "You are off standby.")
        return redirect("interviews:dashboard")
    form = StandbyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Standby lasts 1 to 12 hours.")
    else:
        try:
            standby = services.standby_set(user=request.user, hours=form.cleaned_data["hours"])
            messages.success(request, f"On standby until "
                             f"{standby.until.astimezone(_zone(request.user)):%H:%M}.")
        except services.BookingError as exc:
            messages.error(request, str(exc))
    return redirect("interviews:dashboard")


@login_required
@require_POST
def standby_offer_accept(request, offer_id: int):
    offer = selectors.standby_offer_get_for_user(request.user, offer_id)
    try:
        session = services.standby_offer_accept(offer=offer, by=request.user)
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect("interviews:dashboard")
    messages.success(request, "Your standby peer is on the way: the new mock starts now.")
    return redirect("interviews:session", session_id=session.pk)


@login_required
@require_POST
def no_show_dispute(request, report_id: int):
    report = selectors.no_show_report_get_for_absent(request.user, report_id)
    try:
        services.no_show_dispute(report=report, by=request.user, note=request.POST.get("note"))
        messages.success(request, "Dispute recorded; the report no longer counts.")
    except services.BookingError as exc:
        messages.error(request, str(exc))
    return redirect("interviews:dashboard")


@login_required
def room_page(request, session_id: int):
    """The live room: the candidate's view or the interviewer's cockpit for the active
    round; observers get the candidate's view, read-only."""
    from django.conf import settings

    from companies.selectors import rubric_for
    from interviews import room

    access = room.room_access(request.user, session_id)
    round_ = access.round
    context = {
        "session": access.session, "round": round_, "role": access.role,
        "question": round_.question if access.rights.question else None,
        "peer": access.session.peer_of(request.user) if access.is_participant else None,
        "config": {"sessionId": access.session.pk, "role": access.role,
                   "userId": request.user.pk, "round": round_.number,
                   "questionHidden": not access.rights.question,
                   "people": room.people_in(access.session),
                   "iceServers": settings.ROOM_ICE_SERVERS,
                   "hintCount": len(round_.question.hints)},
    }
    if access.rights.notes:
        notes = getattr(round_, "notes", None)
        context.update(rubric=rubric_for(round_.question), notes=notes.text if notes else "",
                       company=round_.company)
    return render(request, "interviews/room.html", context)


@login_required
@require_POST
def observer_invite(request, session_id: int):
    from coaching import services as coaching_services

    session = access.session_for(request.user, session_id)
    try:
        coach = coaching_services.coach_invite_to_room(
            session=session, by=request.user, coach_id=request.POST.get("coach"))
        messages.success(request, f"{coach.profile.name} can now watch the room, read-only.")
    except coaching_services.CoachingError as exc:
        messages.error(request, str(exc))
    return redirect("interviews:session", session_id=session.pk)


@login_required
def round_transcript(request, round_id: int):
    """Both speakers of one round merged by time, with the audio playable from any line,
    search (`q`), downloads, and progress while transcription runs. htmx polls the body
    while it runs."""
    from interviews import recording

    round_, viewer = access.round_for(request.user, round_id, may="transcript")
    query = (request.GET.get("q") or "").strip()[:200]
    segments = selectors.transcript_for_round(round_)
    matches = segments
    if query:
        from interviews.transcripts import highlight

        matches = [s for s in segments if query.lower() in s.text.lower()]
        for segment in matches:
            segment.highlighted = highlight(segment.text, query)
    takes = recording.takes_of_round(round_)
    context = {
        "round": round_, "show_question": viewer.question,
        "segments": matches, "total": len(segments), "query": query,
        "progress": recording.transcript_progress(takes),
        "players": [t for t in takes if t.next_seq > 0 and viewer.may_hear(t)],
        "is_interviewer": viewer.role == access.Role.INTERVIEWER,
        "voice_shared": bool(getattr(round_, "recording", None)
                             and round_.recording.interviewer_voice_shared_at),
    }
    template = ("interviews/partials/transcript_body.html" if request.htmx
                else "interviews/transcript.html")
    return render(request, template, context)


@login_required
def round_transcript_download(request, round_id: int, fmt: str):
    """The transcript as plain text or Markdown, in the INTERVIEWER:/CANDIDATE: layout."""
    from interviews.transcripts import transcript_markdown, transcript_text

    round_, viewer = access.round_for(request.user, round_id, may="transcript")
    segments = selectors.transcript_for_round(round_)
    if fmt == "md":
        body = transcript_markdown(round_, segments, show_question=viewer.question)
        content_type = "text/markdown"
    else:
        body = transcript_text(round_, segments, show_question=viewer.question)
        content_type = "text/plain"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="mockloop-{round_.session_id}'
                                       f'-round-{round_.number}.{fmt}"')
    return response


@login_required
def round_take_audio(request, round_id: int, take_id: int):
    """One take's audio for the transcript page's player, to the pair only."""
    from interviews.transcripts import take_audio_response

    round_, viewer = access.round_for(request.user, round_id, may="recording")
    take = get_object_or_404(round_.takes, pk=take_id)
    if not viewer.may_hear(take):
        raise Http404("No such recording.")
    return take_audio_response(request, take)


@login_required
@require_POST
def round_transcript_retry(request, round_id: int):
    from interviews.transcription import transcription_retry

    round_, _ = access.round_for(request.user, round_id, may="is_participant")
    if transcription_retry(round_=round_):
        messages.success(request, "Transcribing the failed part again.")
    return redirect("interviews:round_transcript", round_id=round_.pk)


@login_required
@require_POST
def round_voice_share(request, round_id: int):
    """The interviewer lets the candidate's coaches hear their voice in this round's
    recording, or takes that back."""
    from interviews.recording import interviewer_voice_share

    round_, viewer = access.round_for(request.user, round_id)
    if viewer.role != access.Role.INTERVIEWER:
        raise Http404("Only the round's interviewer decides about their voice.")
    shared = interviewer_voice_share(round_=round_, share=request.POST.get("share") == "1")
    messages.success(request, "The candidate's coaches may now hear your voice in this round."
                     if shared else "Your voice in this round is yours alone again.")
    return redirect("interviews:round_transcript", round_id=round_.pk)
