"""Emails about mock sessions, each with the .ics invitation, in the reader's time zone."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage

from interviews.calendar import session_ics
from interviews.models import MockRequest, MockSession


def local_time(user, moment) -> str:
    profile = getattr(user, "profile", None)
    zone = zoneinfo.ZoneInfo(profile.time_zone if profile else "UTC")
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M (%Z)")


def _send(session: MockSession, user, subject: str, body: str, *,
          cancelled: bool = False) -> None:
    if not user.email:
        return
    message = EmailMessage(subject=subject, body=body, to=[user.email],
                           from_email=settings.DEFAULT_FROM_EMAIL)
    method = "CANCEL" if cancelled else "REQUEST"
    message.attach("mockloop-mock.ics", session_ics(session, for_user=user, cancelled=cancelled),
                   f"text/calendar; charset=utf-8; method={method}")
    message.send()


def _url(session: MockSession) -> str:
    return f"{settings.SITE_URL}{session.get_absolute_url()}"


def session_booked(session: MockSession) -> None:
    for user in session.participants:
        peer = session.peer_of(user)
        _send(session, user, f"Mock booked: {local_time(user, session.starts_at)}",
              f"You are matched with {peer.profile.name} for a paired mock "
              f"({session.explanation}).\n\nStarts: {local_time(user, session.starts_at)}\n"
              f"Two rounds, roles swapped half way.\nRound plan and join link: "
              f"{_url(session)}\n")


def session_cancelled(session: MockSession, *, by) -> None:
    peer = session.peer_of(by)
    _send(session, peer, "Mock cancelled by your peer",
          f"{by.profile.name} cancelled the mock of {local_time(peer, session.starts_at)}.\n"
          + _what_became_of_the_request(session.request_of(peer)), cancelled=True)
    _send(session, by, "You cancelled a mock",
          f"The mock of {local_time(by, session.starts_at)} is cancelled; this invitation "
          "removes it from your calendar.\n", cancelled=True)


def _what_became_of_the_request(request: MockRequest | None) -> str:
    if request is None:
        return ""
    request.refresh_from_db(fields=["status"])
    if request.status == MockRequest.Status.OPEN:
        return "Your request is open again, so the matcher will look for another peer.\n"
    if request.status == MockRequest.Status.EXPIRED:
        return ("Your request was not reopened: your other open requests already offer its "
                "times, or leave too little of them for a mock. The matcher looks for a peer "
                "through those.\n")
    return ""


def session_rescheduled(session: MockSession, *, by) -> None:
    for user in session.participants:
        who = "You" if user == by else by.profile.name
        _send(session, user, f"Mock moved to {local_time(user, session.starts_at)}",
              f"{who} moved the mock to {local_time(user, session.starts_at)}.\n"
              f"The calendar invitation is updated.\n{_url(session)}\n")


def session_reminder(session: MockSession, *, lead: str) -> None:
    for user in session.participants:
        _send(session, user, f"Reminder: your mock starts in {lead}",
              f"Your mock with {session.peer_of(user).profile.name} starts "
              f"{local_time(user, session.starts_at)}.\nJoin: {_url(session)}\n")
