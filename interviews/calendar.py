"""iCalendar invitations for mock sessions (RFC 5545).

The UID is stable per session and SEQUENCE grows with every change, so calendar
programs update (or cancel) the same event instead of adding another.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from interviews.models import MockSession


def session_uid(session: MockSession) -> str:
    return f"mock-{session.uid}@mockloop"


def session_ics(session: MockSession, *, for_user, cancelled: bool = False) -> bytes:
    """The session as an .ics file addressed to one participant."""
    calendar = Calendar()
    calendar.add("prodid", "-//Mockloop//Mock interviews//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.calendar_sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    peer = session.peer_of(for_user)
    event.add("summary", f"Mockloop mock interview with {_name(peer)}")
    url = f"{settings.SITE_URL}{session.get_absolute_url()}"
    event.add("url", url)
    event.add("description", _description(session, for_user, url))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress("mailto:noreply@mockloop.local")
    organizer.params["cn"] = vText("Mockloop")
    event["organizer"] = organizer
    for person in session.participants:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(_name(person))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def _name(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.name if profile else user.get_username()


def _description(session: MockSession, user, url: str) -> str:
    lines = [session.explanation, ""] if session.explanation else []
    for round_ in session.rounds.all():
        role = "you interview" if round_.interviewer_id == user.pk else "you are interviewed"
        lines.append(f"Round {round_.number} ({round_.minutes} min): {role}.")
    lines += ["", f"Join: {url}"]
    return "\n".join(lines)
