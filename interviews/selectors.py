"""Reads behind permissions: a user sees only their own requests and sessions."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from interviews.models import (
    AvailabilityWindow,
    LateCancellation,
    MockRequest,
    MockSession,
    NoShowReport,
    Round,
    StandbyOffer,
)

RELIABILITY_WINDOW = timedelta(days=90)
LATE_CANCEL_COST = 10
NO_SHOW_COST = 25


def mock_request_list_for_user(user) -> QuerySet[MockRequest]:
    return (MockRequest.objects.filter(user=user)
            .prefetch_related("windows", "companies").select_related("role_track"))


def dashboard_requests_for_user(user, now, *, expired_days: int = 7
                                ) -> tuple[list[MockRequest], list[MockRequest]]:
    """The user's open requests, and those whose windows all passed in the last
    `expired_days` days without a match, in one query."""
    recent_window = AvailabilityWindow.objects.filter(
        request=OuterRef("pk"), ends_at__gte=now - timedelta(days=expired_days))
    rows = list(mock_request_list_for_user(user).filter(
        Q(status=MockRequest.Status.OPEN)
        | Q(Exists(recent_window), status=MockRequest.Status.EXPIRED)))
    return ([r for r in rows if r.is_open],
            [r for r in rows if r.status == MockRequest.Status.EXPIRED])


def mock_request_get_for_user(user, request_id: int) -> MockRequest:
    """The user's own request; anyone else's is indistinguishable from a missing one."""
    try:
        return mock_request_list_for_user(user).get(pk=request_id)
    except (MockRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such mock request of yours.") from None


def mock_session_list_for_user(user) -> QuerySet[MockSession]:
    return (MockSession.objects.filter(Q(participant_a=user) | Q(participant_b=user))
            .select_related("participant_a__profile", "participant_b__profile", "company")
            .prefetch_related("rounds__question", "rounds__company"))


def mock_session_get_for_user(user, session_id: int) -> MockSession:
    """A session the user takes part in; 404 for anyone else's."""
    try:
        return mock_session_list_for_user(user).get(pk=session_id)
    except (MockSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such mock session of yours.") from None


def round_get_for_user(user, round_id: int) -> Round:
    try:
        return (Round.objects.select_related("session", "question")
                .filter(Q(session__participant_a=user) | Q(session__participant_b=user))
                .get(pk=round_id))
    except (Round.DoesNotExist, ValueError, TypeError):
        raise Http404("No such round of yours.") from None


def round_get_for_transcript_reader(user, round_id: int) -> Round:
    """A round whose transcript and audio the user may read: the pair, or the candidate's
    coach while the candidate shares transcripts. 404 for anyone else."""
    from coaching.selectors import coach_may_see

    try:
        round_ = Round.objects.select_related("session", "question", "candidate").get(
            pk=round_id)
    except (Round.DoesNotExist, ValueError, TypeError):
        raise Http404("No such round of yours.") from None
    if user.pk in (round_.interviewer_id, round_.candidate_id) or coach_may_see(
            user, round_.candidate, "transcripts"):
        return round_
    raise Http404("No such round of yours.")


def upcoming_sessions_for_user(user, now=None) -> QuerySet[MockSession]:
    now = now or timezone.now()
    return mock_session_list_for_user(user).filter(
        status=MockSession.Status.SCHEDULED, ends_at__gt=now).order_by("starts_at")


def reliability_scores(user_ids, now=None) -> dict[int, int]:
    """0-100 per user: late cancellations and undisputed no-shows in 90 days cost points."""
    now = now or timezone.now()
    since = now - RELIABILITY_WINDOW
    user_ids = list(user_ids)
    late = dict(LateCancellation.objects.filter(user_id__in=user_ids, created_at__gte=since)
                .values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    absent = dict(NoShowReport.objects.filter(absent_id__in=user_ids, created_at__gte=since,
                                              disputed=False)
                  .values("absent_id").annotate(n=Count("id")).values_list("absent_id", "n"))
    return {uid: max(0, 100 - LATE_CANCEL_COST * late.get(uid, 0)
                     - NO_SHOW_COST * absent.get(uid, 0)) for uid in user_ids}


def reliability_score(user, now=None) -> int:
    return reliability_scores([user.pk], now)[user.pk]


def open_standby_offers_for_user(user) -> QuerySet[StandbyOffer]:
    return StandbyOffer.objects.filter(offered_to=user, status=StandbyOffer.Status.OFFERED)\
        .select_related("standby_user__profile", "missed_session")


def standby_offer_get_for_user(user, offer_id: int) -> StandbyOffer:
    try:
        return StandbyOffer.objects.get(pk=offer_id, offered_to=user)
    except (StandbyOffer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such standby offer for you.") from None


def no_show_report_get_for_absent(user, report_id: int) -> NoShowReport:
    """A no-show report about the user (the one they may dispute)."""
    try:
        return NoShowReport.objects.get(pk=report_id, absent=user)
    except (NoShowReport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such report about you.") from None


def transcript_for_round(round_: Round) -> list:
    """Both tracks of a round merged by time (the INTERVIEWER/CANDIDATE layout)."""
    from interviews.models import TranscriptSegment

    return list(TranscriptSegment.objects.filter(round=round_)
                .order_by("start_seconds", "id"))


def transcript_line_url(segment) -> str:
    """Where a grade's citation of `segment` points: its line on the transcript page,
    which plays the audio from `t` when there is audio."""
    from django.urls import reverse

    return (reverse("interviews:round_transcript", args=[segment.round_id])
            + f"?t={segment.start_seconds:.1f}#seg-{segment.pk}")
