"""Who may see and do what of a mock: the one place that decides.

Every view, API class, socket consumer, export and report builder asks these functions;
nothing else decides. Private by default: a viewer with no role in a round sees nothing
of it (404, as if it did not exist), and each right below is granted explicitly.

A coach's shares and the grades filed on a round belong to higher layers (coaching and
scoring). They are told to this module at startup through `provide_coach_shares` and
`provide_filed_grades` (each app's `AppConfig.ready`), so this module imports neither;
without a provider nobody gets the rights it would grant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from interviews.models import MockRequest, MockSession, RoomObserver, RoomState, Round

PEER_GRADE, SELF_GRADE = "peer", "self"


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"
    OBSERVER = "observer"  # invited to watch the room, read-only
    COACH = "coach"  # linked to the candidate, seeing what the candidate shares


CoachShares = Callable[[object, int], frozenset[str]]
FiledGrades = Callable[[Round], frozenset[str]]


@dataclass
class _Providers:
    coach_shares: CoachShares = lambda user, candidate_id: frozenset()
    filed_grades: FiledGrades = lambda round_: frozenset()


_providers = _Providers()


def provide_coach_shares(provider: CoachShares) -> None:
    """`provider(user, candidate_id)`: what the candidate shares with `user` as their
    coach through an active link ("grades", "reports", "transcripts", "upcoming")."""
    _providers.coach_shares = provider


def provide_filed_grades(provider: FiledGrades) -> None:
    """`provider(round)`: the kinds of grade filed on the round ("peer", "self")."""
    _providers.filed_grades = provider


# --- rounds -------------------------------------------------------------------------------


def round_has_started(round_: Round, *, state: RoomState | None = None,
                      now: datetime | None = None) -> bool:
    """At its scheduled time, or earlier once the room has moved to it and its clock ran
    (the interviewer started early, or swapped to round 2 after round 1 ended early)."""
    if (now or timezone.now()) >= round_.starts_at:
        return True
    if state is None:
        state = RoomState.objects.filter(session_id=round_.session_id).first()
    if state is None:
        return False
    if state.active_round > round_.number:
        return True
    return state.active_round == round_.number and (state.running or state.round_seconds > 0)


@dataclass
class RoundAccess:
    """One viewer's rights over one round. `role` is None for anyone who may see nothing
    of it; a coach gets a role only while the candidate shares something with them."""

    round: Round
    user: object
    role: Role | None
    coach_shares: frozenset[str] = frozenset()
    now: datetime = field(default_factory=timezone.now)

    @property
    def is_participant(self) -> bool:
        return self.role in (Role.INTERVIEWER, Role.CANDIDATE)

    @property
    def exists(self) -> bool:
        return self.role is not None

    @cached_property
    def started(self) -> bool:
        return round_has_started(self.round, now=self.now)

    @property
    def ended(self) -> bool:
        return self.now >= self.round.ends_at

    @cached_property
    def filed_grades(self) -> frozenset[str]:
        return _providers.filed_grades(self.round)

    # The question (title, prompt, slug, rubric cells): the interviewer prepares with it;
    # everyone else learns it when the round starts.
    @property
    def question(self) -> bool:
        return self.role == Role.INTERVIEWER or (self.exists and self.started)

    @property
    def solution(self) -> bool:
        return self.role == Role.INTERVIEWER

    @property
    def rubric(self) -> bool:
        return self.question

    @property
    def notes(self) -> bool:
        """The interviewer's private room notes: theirs alone."""
        return self.role == Role.INTERVIEWER

    @property
    def transcript(self) -> bool:
        return self.is_participant or "transcripts" in self.coach_shares

    @property
    def recording(self) -> bool:
        return self.is_participant or "recordings" in self.coach_shares

    def may_hear(self, take) -> bool:
        """A coach hears the candidate's own voice; the interviewer's only where the
        interviewer agreed."""
        if not self.recording:
            return False
        if self.is_participant or take.speaker_id == self.round.candidate_id:
            return True
        consent = getattr(self.round, "recording", None)
        return bool(consent and consent.interviewer_voice_shared_at)

    @property
    def whiteboard(self) -> bool:
        return self.is_participant or self.role == Role.OBSERVER or (
            "transcripts" in self.coach_shares)

    @property
    def report(self) -> bool:
        return self.is_participant or "reports" in self.coach_shares

    @property
    def grades(self) -> bool:
        """The grades API and its figures (subject to `grade` for each grade)."""
        return self.is_participant or "grades" in self.coach_shares

    @property
    def coach_comments(self) -> bool:
        return self.role == Role.CANDIDATE or "reports" in self.coach_shares

    @property
    def may_comment(self) -> bool:
        return self.role == Role.COACH and "reports" in self.coach_shares

    @property
    def may_grade(self) -> bool:
        """May open the grade form (filing it waits for the round's end): never before the
        form's rubric cells may be known."""
        return self.is_participant and self.rubric

    @property
    def own_grade_kind(self) -> str | None:
        return {Role.INTERVIEWER: PEER_GRADE, Role.CANDIDATE: SELF_GRADE}.get(self.role)

    def grade(self, kind: str) -> bool:
        """Blind grading binds everyone: a participant sees the other side's grade once
        they filed their own; a coach sees the round's grades once the candidate could,
        that is once the candidate filed a self-grade."""
        if not (self.grades or self.report):
            return False
        own = self.own_grade_kind
        if own is not None:
            return kind == own or own in self.filed_grades
        return self.role == Role.COACH and SELF_GRADE in self.filed_grades


def _role_in(round_: Round, user) -> tuple[Role | None, frozenset[str]]:
    if not getattr(user, "is_authenticated", False):
        return None, frozenset()
    if user.pk == round_.interviewer_id:
        return Role.INTERVIEWER, frozenset()
    if user.pk == round_.candidate_id:
        return Role.CANDIDATE, frozenset()
    shares = _providers.coach_shares(user, round_.candidate_id)
    if shares:
        return Role.COACH, shares
    if RoomObserver.objects.filter(session_id=round_.session_id, user=user).exists():
        return Role.OBSERVER, frozenset()
    return None, frozenset()


def round_access(user, round_: Round, *, now: datetime | None = None) -> RoundAccess:
    role, shares = _role_in(round_, user)
    return RoundAccess(round_, user, role, shares, now or timezone.now())


NOT_YOURS = "No such round of yours."


def round_for(user, round_id, *, may: str = "exists") -> tuple[Round, RoundAccess]:
    """The round and the viewer's access to it, when the viewer has the right named by
    `may` (an attribute of RoundAccess); 404 otherwise, whether or not it exists."""
    try:
        round_ = (Round.objects.select_related(
            "session", "question", "company", "interviewer__profile", "candidate__profile")
            .get(pk=int(round_id)))
    except (Round.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(NOT_YOURS) from None
    access = round_access(user, round_)
    if not (access.exists and getattr(access, may)):
        raise Http404(NOT_YOURS)
    return round_, access


# --- sessions and requests -----------------------------------------------------------------


def sessions_of(user):
    return (MockSession.objects.filter(Q(participant_a=user) | Q(participant_b=user))
            .select_related("participant_a__profile", "participant_b__profile", "company")
            .prefetch_related("rounds__question", "rounds__company"))


def session_for(user, session_id, *, observers: bool = False) -> MockSession:
    """A session the user takes part in (or, with `observers`, watches); 404 for anyone
    else's."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such mock session of yours.")
    visible = Q(participant_a=user) | Q(participant_b=user)
    if observers:
        # A subquery, not a join: no duplicate rows to remove, so no DISTINCT to plan.
        visible |= Exists(RoomObserver.objects.filter(session=OuterRef("pk"), user=user))
    try:
        return (MockSession.objects.filter(visible)
                .select_related("participant_a__profile", "participant_b__profile",
                                "company")
                .prefetch_related("rounds__question", "rounds__company")
                .get(pk=int(session_id)))
    except (MockSession.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such mock session of yours.") from None


def requests_of(user):
    return (MockRequest.objects.filter(user=user)
            .prefetch_related("windows", "companies").select_related("role_track"))


def request_for(user, request_id) -> MockRequest:
    """The user's own request; anyone else's is indistinguishable from a missing one."""
    try:
        return requests_of(user).get(pk=int(request_id))
    except (MockRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such mock request of yours.") from None
