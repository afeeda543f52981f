"""Reads behind permissions: a user sees only their own requests and sessions."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from interviews.access import requests_of, sessions_of
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


def dashboard_requests_for_user(user, now, *, expired_days: int = 7
                                ) -> tuple[list[MockRequest], list[MockRequest]]:
    """The user's open requests, and those whose windows all passed in the last
    `expired_days` days without a match, in one query."""
    recent_window = AvailabilityWindow.objects.filter(
        request=OuterRef("pk"), ends_at__gte=now - timedelta(days=expired_days))
    rows = list(requests_of(user).filter(
        Q(status=MockRequest.Status.OPEN)
        | Q(Exists(recent_window), status=MockRequest.Status.EXPIRED)))
    return ([r for r in rows if r.is_open],
            [r for r in rows if r.status == MockRequest.Status.EXPIRED])


def upcoming_sessions_for_user(user, now=None) -> QuerySet[MockSession]:
    now = now or timezone.now()
    return sessions_of(user).filter(
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
