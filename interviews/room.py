"""The live room: who may do what, the event log, hints, the clock and the whiteboard.

Every change becomes an event with the session's next sequence number (see room_relay):
whiteboard strokes are relayed at once and stored by a writer right after; the rare
commands (hints, the clock, the round swap) store their state in a transaction and
publish their event once it commits. A client that reconnects asks for what it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.services import display_name
from companies.selectors import bank_document
from interviews import room_relay
from interviews.access import Role, RoundAccess, round_access, session_for
from interviews.models import (
    InterviewerNotes,
    MockSession,
    RevealedHint,
    RoomEvent,
    RoomObserver,
    RoomState,
    Round,
    WhiteboardElement,
)
from interviews.room_relay import group_name  # noqa: F401 - the consumer's import

RESUME_LIMIT = 500
MAX_NOTES = 50_000


class RoomError(ValueError):
    """A room command that cannot be taken; `code` is machine-readable."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# --- access ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomAccess:
    session: MockSession
    round: Round
    rights: RoundAccess  # what this person may see of the active round

    @property
    def role(self) -> str:
        """"interviewer", "candidate" or "observer" (anyone else let in watches)."""
        return self.rights.role if self.rights.is_participant else Role.OBSERVER

    @property
    def is_participant(self) -> bool:
        return self.rights.is_participant


def room_access(user, session_id: int) -> RoomAccess:
    """The user's place in the room for the active round: the two participants and the
    observers they invited; 404 for anyone else."""
    try:
        session = session_for(user, session_id, observers=True)
    except Http404:
        raise Http404("No such room.") from None
    state = room_state(session)
    round_ = _round_numbered(session, state.active_round)
    return RoomAccess(session=session, round=round_, rights=round_access(user, round_))


def _round_numbered(session: MockSession, number: int) -> Round:
    """The round from the session's prefetched rounds, its two people from the session's
    own (a socket opens this on every connect, so it asks the database nothing more)."""
    round_ = next((r for r in session.rounds.all() if r.number == number), None)
    if round_ is None:  # the session is being deleted
        raise Http404("No such room.")
    people = {user.pk: user for user in session.participants}
    round_.interviewer = people[round_.interviewer_id]
    round_.candidate = people[round_.candidate_id]
    return round_


def room_state(session: MockSession) -> RoomState:
    # The phases are worked out only for a room opened the first time.
    state, _ = RoomState.objects.get_or_create(
        session=session, defaults={"phases": lambda: phases_for(session.rounds.get(number=1))})
    return state


def phases_for(round_: Round) -> list[dict]:
    """RESHAPE for a design question that fills the round; else the question's timebox."""
    question = round_.question
    if question.type == "design" and question.timebox_minutes >= 40:
        slug = "reshape-60" if round_.minutes >= 60 else "reshape-45"
        for plan in bank_document("phases").get("plans", []):
            if plan["slug"] == slug:
                return [{"key": p["key"], "name": p["name"], "minutes": p["minutes"]}
                        for p in plan["phases"]]
    minutes = min(question.timebox_minutes, round_.minutes)
    return [{"key": "answer", "name": f"{question.get_type_display()} answer",
             "minutes": minutes}]


def people_in(session: MockSession) -> dict[int, str]:
    """Display names of everyone who may be in the room, by user id."""
    people = {user.pk: display_name(user) for user in session.participants}
    for observer in session.observers.select_related("user__profile"):
        people[observer.user_id] = f"{display_name(observer.user)} (observer)"
    return people


def observer_invite(*, session: MockSession, by, user) -> RoomObserver:
    """A participant invites someone (their coach) to watch read-only."""
    if not session.has_participant(by):
        raise RoomError("forbidden", "Only the two participants can invite observers.")
    if session.has_participant(user):
        raise RoomError("invalid", "Participants are in the room already.")
    observer, _ = RoomObserver.objects.get_or_create(session=session, user=user,
                                                     defaults={"invited_by": by})
    return observer


# --- the event log --------------------------------------------------------------------


def _publish_on_commit(session_id: int, kind: str, payload: dict, actor=None) -> None:
    """Number, store and broadcast the event once the current transaction commits (at
    once outside one), so a rolled-back change never reaches a client nor takes a
    number."""
    actor_id = getattr(actor, "pk", actor)
    transaction.on_commit(
        lambda: room_relay.publish_from_sync(session_id, kind, payload, actor_id))


def publish_event(session_id: int, kind: str, payload: dict, actor=None) -> None:
    """Add an event to a room from outside its socket (a Celery task, a view): it gets
    the session's next number, in order with every other event of the room, is stored
    in the log (so reconnecting clients catch up) and broadcast. Inside a transaction
    this happens when the transaction commits."""
    room_state(MockSession.objects.get(pk=session_id))
    _publish_on_commit(session_id, kind, payload, actor)


# --- snapshot -------------------------------------------------------------------------


def clock_payload(state: RoomState, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    extra = (now - state.marked_at).total_seconds() if state.running and state.marked_at else 0
    return {
        "round": state.active_round, "phases": state.phases, "phase_index": state.phase_index,
        "running": state.running, "phase_seconds": round(state.phase_seconds + extra, 1),
        "round_seconds": round(state.round_seconds + extra, 1),
        "server_time": now.isoformat(),
    }


def room_snapshot(access: RoomAccess, *, seq: int | None = None,
                  unstored: list | None = None) -> dict:
    """Everything a client needs to draw the room; never the solution or the rubric.

    `seq` is the number the snapshot stands at (every event up to it is stored or in
    `unstored`, this process's events not stored yet, whose strokes are merged in)."""
    session = access.session
    state = room_state(session)
    return {
        "seq": state.last_seq if seq is None else seq,
        "role": access.role,
        "round": access.round.number,
        "clock": {**clock_payload(state), "ended": timezone.now() >= access.round.ends_at},
        "hints": revealed_hints(access.round),
        "elements": _merge_unstored(whiteboard_scene(session), unstored or []),
    }


def _merge_unstored(elements: list[dict], unstored: list) -> list[dict]:
    if not unstored:
        return elements
    by_id = {e["id"]: e for e in elements}
    for event in unstored:
        if event.kind != "whiteboard":
            continue
        for element in event.payload["elements"]:
            known = by_id.get(element["id"])
            if known is None or room_relay.wins(
                    (element["version"], element["versionNonce"]),
                    (known["version"], known["versionNonce"])):
                by_id[element["id"]] = element
    return list(by_id.values())


def revealed_hints(round_: Round) -> list[dict]:
    hints = round_.question.hints
    return [{"index": r.index, "text": hints[r.index]}
            for r in round_.revealed_hints.order_by("index") if r.index < len(hints)]


# --- commands -------------------------------------------------------------------------


def _require_interviewer(access: RoomAccess) -> None:
    if access.role != "interviewer":
        raise RoomError("forbidden", "Only this round's interviewer can do that.")


def hint_reveal(access: RoomAccess, *, index: int, by) -> None:
    """Show one of the question's hints to the candidate, at once."""
    _require_interviewer(access)
    hints = access.round.question.hints
    if not 0 <= index < len(hints):
        raise RoomError("invalid", f"This question has hints 0 to {len(hints) - 1}.")
    with transaction.atomic():
        _, created = RevealedHint.objects.get_or_create(round=access.round, index=index)
        if not created:
            raise RoomError("invalid", f"Hint {index + 1} is already shown.")
        _publish_on_commit(access.session.pk, "hint",
                           {"round": access.round.number, "index": index,
                            "text": hints[index]}, by)


CLOCK_ACTIONS = ("start", "pause", "next_phase", "next_round", "end_round")


def clock_command(access: RoomAccess, *, action: str, by,
                  now: datetime | None = None) -> None:
    """The interviewer drives the clock; every client shows the server's figures."""
    _require_interviewer(access)
    if action not in CLOCK_ACTIONS:
        raise RoomError("invalid", f"Clock actions are {', '.join(CLOCK_ACTIONS)}.")
    now = now or timezone.now()
    with transaction.atomic():
        state = RoomState.objects.select_for_update().get(session=access.session)
        _bank_running_time(state, now)
        if action == "start":
            state.running, state.marked_at = True, now
        elif action == "pause":
            state.running = False
        elif action == "next_phase":
            if state.phase_index + 1 >= len(state.phases):
                raise RoomError("invalid", "This is the last phase; swap to the next round.")
            state.phase_index += 1
            state.phase_seconds = 0
        elif action == "end_round":
            _end_round_early(access.round, now)
            state.running = False
        elif action == "next_round":
            if state.active_round >= 2:
                raise RoomError("invalid", "This is the last round.")
            state.active_round += 1
            next_round = access.session.rounds.select_related("question").get(
                number=state.active_round)
            state.phases = phases_for(next_round)
            state.phase_index, state.phase_seconds, state.round_seconds = 0, 0, 0
            state.running = False
        state.save(update_fields=["running", "marked_at", "phase_index", "phase_seconds",
                                  "round_seconds", "active_round", "phases"])
        kind = "round" if action == "next_round" else "clock"
        payload = clock_payload(state, now)
        if action == "end_round":
            payload["ended"] = True
        _publish_on_commit(access.session.pk, kind, payload, by)


def _end_round_early(round_: Round, now: datetime) -> None:
    """Grading opens at once for both; a round already over keeps its end."""
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    if now >= locked.ends_at:
        raise RoomError("invalid", "This round has already ended.")
    if now < locked.starts_at and not locked.ended_early_at:
        locked.starts_at = now  # ended before its scheduled start: it ran from the room
    locked.ended_early_at = now
    locked.save(update_fields=["ended_early_at", "starts_at"])
    round_.ended_early_at, round_.starts_at = locked.ended_early_at, locked.starts_at


def _bank_running_time(state: RoomState, now: datetime) -> None:
    if state.running and state.marked_at:
        elapsed = (now - state.marked_at).total_seconds()
        state.phase_seconds += elapsed
        state.round_seconds += elapsed
    state.marked_at = now


def notes_save(access: RoomAccess, *, text: str, by) -> InterviewerNotes:
    """The interviewer's private notes: stored, never broadcast."""
    _require_interviewer(access)
    if len(text) > MAX_NOTES:
        raise RoomError("too_large", f"Notes hold at most {MAX_NOTES} characters.")
    notes, _ = InterviewerNotes.objects.update_or_create(round=access.round,
                                                        defaults={"text": text})
    return notes


def whiteboard_scene(session: MockSession) -> list[dict]:
    return [e.data for e in WhiteboardElement.objects.filter(session=session)
            .order_by("updated_at", "id")]


def whiteboard_log(session: MockSession) -> list[dict]:
    """How the drawing grew: every accepted change with its time, for replay in step
    with the transcript."""
    return [{"seq": e.seq, "at": e.created_at.isoformat(), "elements": e.payload["elements"]}
            for e in RoomEvent.objects.filter(session=session, kind="whiteboard")
            .order_by("seq")]
