"""Booking flows: requests, matching, sessions, cancellations, no-shows and standby."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import replace as _replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import Profile
from accounts.services import profile_for
from companies.models import Company, Question, RoleTrack, altitude_rank
from config.localtime import local
from config.storable_text import UNSTORABLE_TEXT, is_storable
from interviews import matching, selectors
from interviews.models import (
    AvailabilityWindow,
    Booking,
    LateCancellation,
    MockRequest,
    MockSession,
    NoShowReport,
    Round,
    Standby,
    StandbyOffer,
    WantedType,
    session_length,
)

logger = logging.getLogger(__name__)

DEFAULT_TYPES = ("design", "debug", "drill", "oncall", "behavioral")


class BookingError(ValueError):
    """An action on bookings that cannot be taken, with the field it concerns."""

    def __init__(self, message: str, field_name: str | None = None):
        self.field_name = field_name
        super().__init__(message)


WINDOW_LABEL = "%a %d %b %H:%M %Z"

def match_rules() -> matching.MatchRules:
    return matching.MatchRules(
        session_minutes=2 * settings.MOCK_ROUND_MINUTES,
        slot_minutes=settings.MOCK_SLOT_MINUTES,
        generic_after=timedelta(hours=settings.MOCK_GENERIC_MATCH_AFTER_HOURS),
        horizon=timedelta(days=settings.MOCK_BOOKING_HORIZON_DAYS),
    )


# --- requests ----------------------------------------------------------------------------


@dataclass
class RequestInput:
    companies: list[Company]
    target_level: str
    role_track: RoleTrack
    question_types: list[str]
    focus_areas: list[str]
    windows: list[tuple[datetime, datetime]]


def _check_request_input(user, data: RequestInput, *, now: datetime,
                         replacing: MockRequest | None = None) -> None:
    # One user's posts and edits take turns (the lock lasts until the caller's transaction
    # ends), so two at once cannot both pass the check that a window is offered once.
    profile = Profile.objects.select_for_update().get(pk=profile_for(user).pk)
    if profile.matching_paused(now):
        raise BookingError(
            f"Your matching is paused until {local(profile.matching_paused_until)}: "
            f"{profile.matching_pause_reason}")
    if data.target_level not in ("junior", "senior", "staff", "principal"):
        raise BookingError(f"Unknown level '{data.target_level}'.", "target_level")
    unknown = set(data.question_types) - set(WantedType.values)
    if unknown or not data.question_types:
        raise BookingError("Choose question types among design, debug, drill, oncall, "
                           "behavioral or any.", "question_types")
    _check_windows(user, data.windows, now=now, replacing=replacing)


def _check_windows(user, windows: list[tuple[datetime, datetime]], *, now: datetime,
                   replacing: MockRequest | None) -> None:
    if not windows:
        raise BookingError("Give at least one availability window.", "windows")
    most = settings.MOCK_WINDOWS_MAX
    if len(windows) > most:
        raise BookingError(f"At most {most} windows per request.", "windows")
    length = session_length()
    minutes = int(length.total_seconds() // 60)
    longest = timedelta(hours=settings.MOCK_WINDOW_MAX_HOURS)
    horizon_days = settings.MOCK_BOOKING_HORIZON_DAYS
    horizon = now + timedelta(days=horizon_days)
    for start, end in windows:
        if start.tzinfo is None or end.tzinfo is None:
            raise BookingError("Window times need a time zone.", "windows")
        label = local(start, WINDOW_LABEL)
        if end <= start:
            raise BookingError(f"The window starting {label} ends before it starts.",
                               "windows")
        if start < now:
            raise BookingError(f"The window starting {label} is in the past.", "windows")
        if end > horizon:
            raise BookingError(f"Windows must end within {horizon_days} days; the one "
                               f"starting {label} ends {local(end, WINDOW_LABEL)}.",
                               "windows")
        if end - start > longest:
            raise BookingError(f"A window lasts at most {settings.MOCK_WINDOW_MAX_HOURS} "
                               f"hours; split the one starting {label}.", "windows")
        if end - start < length:
            raise BookingError(f"The window starting {label} is shorter than a session "
                               f"({minutes} minutes).", "windows")
    ordered = sorted(windows)
    for (_, first_end), (second_start, _) in zip(ordered, ordered[1:], strict=False):
        if second_start < first_end:
            raise BookingError(f"Two of your windows overlap around "
                               f"{local(second_start, WINDOW_LABEL)}; merge them into one.",
                               "windows")
    others = AvailabilityWindow.objects.filter(
        request__user=user, request__status=MockRequest.Status.OPEN)
    if replacing is not None:
        others = others.exclude(request=replacing)
    for start, end in windows:
        clash = others.filter(starts_at__lt=end, ends_at__gt=start).first()
        if clash:
            raise BookingError(f"Your open request #{clash.request_id} already offers "
                               f"{clash}; a window may be offered once.", "windows")


def mock_request_create(*, user, data: RequestInput, now: datetime | None = None) -> MockRequest:
    """Open a request and ask the matcher to look for a peer once it is stored."""
    now = now or timezone.now()
    with transaction.atomic():
        _check_request_input(user, data, now=now)
        request = MockRequest.objects.create(
            user=user, target_level=data.target_level, role_track=data.role_track,
            question_types=data.question_types, focus_areas=data.focus_areas,
            created_at=now, waiting_since=now)
        request.companies.set(data.companies)
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(request=request, starts_at=s, ends_at=e) for s, e in data.windows)
        transaction.on_commit(_queue_matching)
    return request


def mock_request_update(*, request: MockRequest, data: RequestInput,
                        now: datetime | None = None) -> MockRequest:
    now = now or timezone.now()
    with transaction.atomic():
        request = MockRequest.objects.select_for_update().get(pk=request.pk)
        if not request.is_open:
            raise BookingError(f"This request is {request.get_status_display().lower()}; "
                               "only open requests can be edited.")
        _check_request_input(request.user, data, now=now, replacing=request)
        request.target_level = data.target_level
        request.role_track = data.role_track
        request.question_types = data.question_types
        request.focus_areas = data.focus_areas
        request.save(update_fields=["target_level", "role_track", "question_types",
                                    "focus_areas"])
        request.companies.set(data.companies)
        request.windows.all().delete()
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(request=request, starts_at=s, ends_at=e) for s, e in data.windows)
        transaction.on_commit(_queue_matching)
    return request


def mock_request_cancel(*, request: MockRequest) -> MockRequest:
    with transaction.atomic():
        request = MockRequest.objects.select_for_update().get(pk=request.pk)
        if not request.is_open:
            raise BookingError(f"This request is already {request.get_status_display().lower()}"
                               "; cancel its session instead." if request.status == "matched"
                               else f"This request is already "
                                    f"{request.get_status_display().lower()}.")
        request.status = MockRequest.Status.CANCELLED
        request.save(update_fields=["status"])
    return request


def _queue_matching() -> None:
    from interviews.tasks import match_open_requests

    match_open_requests.delay()


# --- matching ----------------------------------------------------------------------------


def _open_requests_for_matcher(now: datetime, *,
                               request_ids: list[int] | None = None
                               ) -> list[matching.OpenRequest]:
    requests = MockRequest.objects.filter(status=MockRequest.Status.OPEN)
    if request_ids is not None:
        requests = requests.filter(pk__in=request_ids)
    requests = list(requests.select_related("role_track", "user__profile")
                    .prefetch_related("windows", "companies"))
    user_ids = {r.user_id for r in requests}
    scores = selectors.reliability_scores(user_ids, now)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for booking in Booking.objects.filter(user_id__in=user_ids, active=True, ends_at__gt=now):
        busy.setdefault(booking.user_id, []).append((booking.starts_at, booking.ends_at))
    return [
        matching.OpenRequest(
            request_id=r.pk, user_id=r.user_id, created_at=r.waiting_since,
            companies=frozenset(c.slug for c in r.companies.all()),
            level_rank=r.level_rank, role_track=r.role_track.slug,
            focus_areas=frozenset(r.focus_areas),
            windows=tuple((w.starts_at, w.ends_at) for w in r.windows.all()),
            reliability=scores.get(r.user_id, 100), busy=tuple(busy.get(r.user_id, ())),
            paused=profile_for(r.user).matching_paused(now),
        )
        for r in requests
    ]


def _level_namer():
    ladders: dict[str, dict[int, str]] = {}
    for company in Company.objects.prefetch_related("levels"):
        names: dict[int, str] = {}
        for level in company.levels.all():
            names[altitude_rank(level.altitude)] = level.name
        ladders[company.slug] = names

    def level_name(company: str, rank: int) -> str:
        return ladders.get(company, {}).get(rank, matching.ALTITUDE_NAMES[rank])

    return level_name


def expire_stale_requests(*, now: datetime | None = None) -> int:
    """Close the open requests none of whose windows can still hold a session, so that
    nobody's dashboard says "waiting" for a time that has passed. Rows another
    transaction holds (an edit adding windows) are left for the next pass."""
    now = now or timezone.now()
    still_possible = AvailabilityWindow.objects.filter(
        request=OuterRef("pk"), ends_at__gte=now + session_length())
    open_without_time = (MockRequest.objects.filter(status=MockRequest.Status.OPEN)
                         .exclude(Exists(still_possible)))
    with transaction.atomic():
        stale = list(open_without_time.select_for_update(skip_locked=True)
                     .values_list("pk", flat=True))
        # Checked again once the rows are locked: an edit that committed in between (new
        # windows) is seen by this statement, not by the one above.
        return open_without_time.filter(pk__in=stale).update(
            status=MockRequest.Status.EXPIRED)


def match_open_requests(*, now: datetime | None = None) -> list[MockSession]:
    """Expire the requests whose time has passed, then run the matcher over every open
    request and book the pairs it finds."""
    now = now or timezone.now()
    expire_stale_requests(now=now)
    matches = matching.find_matches(
        _open_requests_for_matcher(now), now=now, rules=match_rules(),
        level_name=_level_namer(),
        company_names=dict(Company.objects.values_list("slug", "name")))
    sessions = []
    for match in matches:
        session = session_book(match=match, now=now)
        if session is not None:
            sessions.append(session)
    return sessions


def session_book(*, match: matching.Match, now: datetime | None = None) -> MockSession | None:
    """Book a matched pair. Returns None when either request changed or was taken since
    the matcher looked, or either person got booked at an overlapping time meanwhile
    (the database refuses it), or the bank has no fitting question for a round."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            ids = sorted((match.first.request_id, match.second.request_id))
            locked = {r.pk: r for r in MockRequest.objects.select_for_update()
                      .filter(pk__in=ids).order_by("pk")}
            first, second = locked.get(match.first.request_id), locked.get(
                match.second.request_id)
            if not (first and second and first.is_open and second.is_open):
                return None
            if _pair_broken_since_matching(match, now):
                return None
            session = _create_session(first, second, match)
            for request in (first, second):
                request.status = MockRequest.Status.MATCHED
                request.save(update_fields=["status"])
            _email_on_commit(session, "booked")
            return session
    except IntegrityError:
        logger.info("match %s/%s lost a race; left for the next run",
                    match.first.request_id, match.second.request_id)
    except BookingError as exc:
        logger.warning("match %s/%s not booked: %s", match.first.request_id,
                       match.second.request_id, exc)
    return None


def _pair_broken_since_matching(match: matching.Match, now: datetime) -> bool:
    """Check the pair again on the locked rows: either side may have been edited, or
    booked elsewhere, after the matcher took its snapshot."""
    fresh = {r.request_id: r for r in _open_requests_for_matcher(
        now, request_ids=[match.first.request_id, match.second.request_id])}
    first, second = fresh.get(match.first.request_id), fresh.get(match.second.request_id)
    if first is None or second is None:
        return True
    # A generic match was judged on the wait at matching time; keep that judgement.
    first = _replace(first, created_at=min(first.created_at, match.first.created_at))
    problems = matching.pair_violations(first, second, starts_at=match.starts_at, now=now,
                                        rules=match_rules())
    if problems:
        logger.info("match %s/%s no longer holds: %s", first.request_id, second.request_id,
                    "; ".join(problems))
    return bool(problems)


def _email_on_commit(session: MockSession, kind: str, by=None) -> None:
    """Emails go through the task queue once the change is committed, so a mail server
    failure neither loses the change nor stops a matching run."""
    from interviews.tasks import send_session_email

    by_id = by.pk if by is not None else None
    transaction.on_commit(lambda: send_session_email.delay(session.pk, kind, by_id))


def _create_session(first: MockRequest, second: MockRequest,
                    match: matching.Match) -> MockSession:
    shared = sorted(match.shared_companies)
    company = Company.objects.filter(slug=shared[0]).first() if shared else None
    session = MockSession.objects.create(
        participant_a=first.user, participant_b=second.user, request_a=first,
        request_b=second, starts_at=match.starts_at, ends_at=match.ends_at,
        company=company, explanation=match.explanation[:300])
    _book_people(session)
    round_minutes = settings.MOCK_ROUND_MINUTES
    plan = [(1, first, second), (2, second, first)]
    for number, interviewer_request, candidate_request in plan:
        round_company = _round_company(candidate_request, company)
        Round.objects.create(
            session=session, number=number, interviewer=interviewer_request.user,
            candidate=candidate_request.user, company=round_company,
            target_level=candidate_request.target_level,
            starts_at=session.starts_at + timedelta(minutes=round_minutes * (number - 1)),
            minutes=round_minutes,
            question=pick_question(candidate_request=candidate_request,
                                   interviewer=interviewer_request.user,
                                   company=round_company, now=session.starts_at))
    return session


def _book_people(session: MockSession) -> None:
    with transaction.atomic():  # a savepoint: the exclusion constraint may refuse it
        for user in session.participants:
            _refuse_if_busy(user, session.starts_at, session.ends_at, session)
            Booking.objects.create(user=user, session=session, starts_at=session.starts_at,
                                   ends_at=session.ends_at)


def _refuse_if_busy(user, starts_at: datetime, ends_at: datetime,
                    session: MockSession | None) -> None:
    # PostgreSQL enforces this with an exclusion constraint; this check gives SQLite
    # the same rule (it has one writer at a time) and a clearer error everywhere.
    clash = Booking.objects.filter(user=user, active=True, starts_at__lt=ends_at,
                                   ends_at__gt=starts_at)
    if session is not None:
        clash = clash.exclude(session=session)
    if clash.exists():
        raise IntegrityError(f"{user} is already booked at that time")


def _round_company(candidate_request: MockRequest, shared: Company | None) -> Company | None:
    if shared is not None:
        return shared
    return candidate_request.companies.order_by("name").first()


def pick_question(*, candidate_request: MockRequest, interviewer, company: Company | None,
                  now: datetime, exclude_ids: set[int] | None = None) -> Question:
    """A question for the candidate: from their target company and level, of a wanted
    type, never seen by them before (as candidate or interviewer), and not assigned to
    this interviewer to ask this week where possible. Rules relax in that order of
    importance when nothing fits. A re-attempt that has fallen due (a question graded
    below the candidate's target) comes before all of that."""
    from scoring.selectors import reattempt_question_due

    candidate = candidate_request.user
    wanted = wanted_types(candidate_request)
    reattempt = reattempt_question_due(candidate=candidate, now=now, types=wanted,
                                       exclude_ids=exclude_ids or set())
    if reattempt is not None:
        return reattempt
    seen = seen_question_ids(candidate) | (exclude_ids or set())
    asked_this_week = set(Round.objects.filter(
        interviewer=interviewer, starts_at__gte=now - timedelta(days=7),
        starts_at__lte=now + timedelta(days=7)).values_list("question_id", flat=True))
    fitting = Question.objects.exclude(pk__in=seen).filter(
        type__in=wanted, level_tags__contains=f",{candidate_request.target_level},")
    by_company = [fitting.filter(companies=company)] if company else []
    targets = list(candidate_request.companies.all()) if candidate_request.pk else []
    tiers = [*by_company, fitting.filter(companies__in=targets) if targets else None,
             fitting.filter(companies__isnull=True), fitting]
    for queryset in tiers:
        if queryset is None:
            continue
        for candidates in (queryset.exclude(pk__in=asked_this_week), queryset):
            question = candidates.order_by("?").first()
            if question is not None:
                return question
    raise BookingError(f"No unseen {'/'.join(wanted)} question at the "
                       f"{candidate_request.target_level} level is left in the bank for "
                       f"{candidate.get_username()}.")


def wanted_types(request: MockRequest) -> list[str]:
    return [t for t in request.question_types if t != "any"] or list(DEFAULT_TYPES)


def seen_question_ids(user) -> set[int]:
    """Questions the user met before, as candidate or as interviewer."""
    return set(Round.objects.filter(Q(candidate=user) | Q(interviewer=user))
               .values_list("question_id", flat=True))


def round_swap_question(*, round_: Round, by, question: Question | None = None,
                        now: datetime | None = None) -> Round:
    """The interviewer trades the round's question for another fitting one (or the one
    they chose) before the round starts."""
    now = now or timezone.now()
    with transaction.atomic():
        round_ = Round.objects.select_for_update().select_related("session").get(pk=round_.pk)
        if round_.interviewer_id != by.pk:
            raise BookingError("Only this round's interviewer can swap its question.")
        if not round_.session.is_scheduled:
            raise BookingError("This session is no longer scheduled.")
        if now >= round_.starts_at:
            raise BookingError("The round has started; its question can no longer change.")
        request = round_.session.request_of(round_.candidate) or MockRequest(
            user=round_.candidate, target_level=round_.target_level, question_types=["any"])
        if question is None:
            question = pick_question(candidate_request=request, interviewer=by,
                                     company=round_.company, now=round_.starts_at,
                                     exclude_ids={round_.question_id})
        elif question.pk == round_.question_id:
            raise BookingError("That is already the round's question.", "question")
        elif question.pk in seen_question_ids(round_.candidate):
            raise BookingError("The candidate has already seen that question.", "question")
        elif question.type not in wanted_types(request):
            raise BookingError(f"The candidate asked for {', '.join(wanted_types(request))} "
                               f"questions, not {question.get_type_display().lower()}.",
                               "question")
        elif round_.target_level not in question.levels:
            raise BookingError(f"That question does not suit the {round_.target_level} level.",
                               "question")
        round_.question = question
        round_.save(update_fields=["question"])
    return round_


# --- changing a session ------------------------------------------------------------------


def session_cancel(*, session: MockSession, by, now: datetime | None = None) -> MockSession:
    """Cancel before the start: the peer is told and their request reopens; cancelling
    within MOCK_LATE_CANCEL_HOURS counts against the canceller's reliability."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(session, by)
        if session.has_started(now):
            raise BookingError("The mock has started; report a no-show instead of cancelling.")
        session.status = MockSession.Status.CANCELLED
        session.cancelled_by = by
        session.calendar_sequence += 1
        session.save(update_fields=["status", "cancelled_by", "calendar_sequence"])
        session.bookings.update(active=False)
        moved_by_peer = session.moved_by_id not in (None, by.pk)
        if session.is_late_cancellation(now) and not moved_by_peer:
            LateCancellation.objects.create(user=by, session=session)
        _reopen(session.request_of(session.peer_of(by)))
        own = session.request_of(by)
        if own is not None:
            own.status = MockRequest.Status.CANCELLED
            own.save(update_fields=["status"])
        _email_on_commit(session, "cancelled", by)
        transaction.on_commit(_queue_matching)
    return session


def _reopen(request: MockRequest | None) -> None:
    """Open the peer's request again. It keeps its place in the queue: it has waited
    through no fault of its own. A time is offered once: the parts of its windows that
    the peer has offered meanwhile in another open request are left out of it, and a
    request with no window left that can hold a session expires."""
    if request is None:
        return
    # Request, then profile: the order edits take their locks in.
    request = MockRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MockRequest.Status.MATCHED:
        return
    Profile.objects.select_for_update().get(pk=profile_for(request.user).pk)
    windows = list(request.windows.order_by("starts_at"))
    free = _not_offered_elsewhere(request, [(w.starts_at, w.ends_at) for w in windows])
    if not free:
        request.status = MockRequest.Status.EXPIRED
        request.save(update_fields=["status"])
        return
    if free != [(w.starts_at, w.ends_at) for w in windows]:
        request.windows.all().delete()
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(request=request, starts_at=s, ends_at=e) for s, e in free)
    request.status = MockRequest.Status.OPEN
    request.save(update_fields=["status"])


def _not_offered_elsewhere(request: MockRequest, windows: list[tuple[datetime, datetime]]
                           ) -> list[tuple[datetime, datetime]]:
    """The windows minus the owner's other open requests' windows, in pieces a session
    still fits in."""
    offered = AvailabilityWindow.objects.filter(
        request__user_id=request.user_id, request__status=MockRequest.Status.OPEN,
    ).exclude(request=request).values_list("starts_at", "ends_at")
    pieces = list(windows)
    for taken_start, taken_end in offered:
        pieces = [piece for start, end in pieces
                  for piece in _minus((start, end), (taken_start, taken_end))]
    return [(start, end) for start, end in pieces if end - start >= session_length()]


def _minus(window: tuple[datetime, datetime], taken: tuple[datetime, datetime]
           ) -> list[tuple[datetime, datetime]]:
    (start, end), (taken_start, taken_end) = window, taken
    if taken_end <= start or taken_start >= end:
        return [window]
    return [piece for piece in ((start, taken_start), (taken_end, end)) if piece[0] < piece[1]]


def _lock_session(session: MockSession, by) -> MockSession:
    session = (MockSession.objects.select_for_update(of=("self",))
               .select_related("participant_a__profile", "participant_b__profile",
                               "request_a", "request_b").get(pk=session.pk))
    if not session.has_participant(by):
        raise BookingError("You are not part of this mock.")
    if not session.is_scheduled:
        raise BookingError(f"This mock is {session.get_status_display().lower()}.")
    return session


def session_reschedule(*, session: MockSession, by, starts_at: datetime,
                       now: datetime | None = None) -> MockSession:
    """Move the session; the invitation keeps its UID and gets a higher SEQUENCE.

    Moves are for plans that change in good time: within the late-cancellation window
    before the current start, cancel instead. The peer may then cancel the moved mock
    without it counting against them."""
    now = now or timezone.now()
    late = timedelta(hours=settings.MOCK_LATE_CANCEL_HOURS)
    if starts_at.tzinfo is None:
        raise BookingError("The new start needs a time zone.", "starts_at")
    if starts_at <= now:
        raise BookingError("The new start is in the past.", "starts_at")
    if starts_at > now + timedelta(days=settings.MOCK_BOOKING_HORIZON_DAYS):
        raise BookingError(f"A mock can be at most {settings.MOCK_BOOKING_HORIZON_DAYS} days "
                           "ahead.", "starts_at")
    try:
        with transaction.atomic():
            session = _lock_session(session, by)
            if session.has_started(now):
                raise BookingError("The mock has started; it can no longer move.")
            if session.starts_at - now < late:
                raise BookingError(f"Less than {settings.MOCK_LATE_CANCEL_HOURS} hours before "
                                   "the start a mock can no longer move; cancel it instead.")
            shift = starts_at - session.starts_at
            session.starts_at, session.ends_at = starts_at, session.ends_at + shift
            session.calendar_sequence += 1
            session.moved_by = by
            session.reminded_day_before_at = session.reminded_soon_at = None
            session.save(update_fields=["starts_at", "ends_at", "calendar_sequence", "moved_by",
                                        "reminded_day_before_at", "reminded_soon_at"])
            for user in session.participants:
                _refuse_if_busy(user, session.starts_at, session.ends_at, session)
            session.bookings.update(starts_at=session.starts_at, ends_at=session.ends_at)
            for round_ in session.rounds.all():
                round_.starts_at += shift
                round_.save(update_fields=["starts_at"])
            _email_on_commit(session, "rescheduled", by)
    except IntegrityError:
        raise BookingError("One of you already has a mock at that time.", "starts_at") from None
    return session


# --- no-shows, reliability and standby ------------------------------------------------------

NO_SHOW_REPORT_WINDOW = timedelta(hours=24)
STANDBY_MAX_HOURS = 12


def no_show_report(*, session: MockSession, reporter,
                   now: datetime | None = None) -> StandbyOffer | None:
    """The reporter says the peer did not come. The peer's reliability drops, repeated
    no-shows pause their matching, and the reporter is offered a standby peer."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(session, reporter)
        if not session.has_started(now):
            raise BookingError("A no-show can be reported once the mock has started.")
        if now > session.starts_at + NO_SHOW_REPORT_WINDOW:
            raise BookingError("No-shows must be reported within 24 hours of the start.")
        absent = session.peer_of(reporter)
        NoShowReport.objects.create(session=session, reporter=reporter, absent=absent)
        session.status = MockSession.Status.NO_SHOW
        session.save(update_fields=["status"])
        session.bookings.update(active=False)
        _pause_if_repeated(absent, now)
        return _offer_standby(session, reporter, now)


def _pause_if_repeated(user, now: datetime) -> None:
    recent = NoShowReport.objects.filter(absent=user, disputed=False,
                                         created_at__gte=now - timedelta(days=30)).count()
    if recent >= settings.NO_SHOW_PAUSE_AFTER:
        profile = profile_for(user)
        profile.matching_paused_until = now + timedelta(days=settings.NO_SHOW_PAUSE_DAYS)
        profile.matching_pause_reason = (
            f"{recent} missed mocks in the last 30 days. Peers count on you; matching "
            f"resumes automatically.")
        profile.save(update_fields=["matching_paused_until", "matching_pause_reason"])


def no_show_dispute(*, report: NoShowReport, by, note: str) -> NoShowReport:
    """The person reported absent says they were there; the report stops counting."""
    note = (note or "").strip()
    if report.absent_id != by.pk:
        raise BookingError("Only the person reported absent can dispute the report.")
    if not note:
        raise BookingError("Say briefly what happened.", "note")
    if not is_storable(note):
        raise BookingError(UNSTORABLE_TEXT, "note")
    report.disputed = True
    report.dispute_note = note[:500]
    report.save(update_fields=["disputed", "dispute_note"])
    return report


def standby_set(*, user, hours: int, now: datetime | None = None) -> Standby:
    now = now or timezone.now()
    if not 1 <= hours <= STANDBY_MAX_HOURS:
        raise BookingError(f"Standby lasts 1 to {STANDBY_MAX_HOURS} hours.", "hours")
    profile = profile_for(user)
    if profile.matching_paused(now):
        raise BookingError("Your matching is paused, so you cannot stand by for others.")
    standby, _ = Standby.objects.update_or_create(
        user=user, defaults={"until": now + timedelta(hours=hours)})
    return standby


def standby_clear(*, user) -> None:
    Standby.objects.filter(user=user).delete()


def _offer_standby(session: MockSession, present, now: datetime) -> StandbyOffer | None:
    request = session.request_of(present)
    level = altitude_rank(request.target_level) if request else 1
    track = request.role_track.slug if request else None
    length = session_length()
    excluded = {session.participant_a_id, session.participant_b_id}
    for standby in (Standby.objects.filter(until__gte=now + length)
                    .exclude(user_id__in=excluded)
                    .select_related("user__profile").order_by("created_at")):
        profile = standby.user.profile
        if profile.matching_paused(now):
            continue
        if abs(altitude_rank(profile.target_level) - level) > 1:
            continue
        if track and profile.role_track and not matching.tracks_compatible(
                track, profile.role_track.slug):
            continue
        if Booking.objects.filter(user=standby.user, active=True, starts_at__lt=now + length,
                                  ends_at__gt=now).exists():
            continue
        return StandbyOffer.objects.create(missed_session=session, offered_to=present,
                                           standby_user=standby.user)
    return None


def standby_offer_accept(*, offer: StandbyOffer, by,
                         now: datetime | None = None) -> MockSession:
    """Start a fresh session right away with the standby peer."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            offer = StandbyOffer.objects.select_for_update().get(pk=offer.pk)
            if offer.offered_to_id != by.pk:
                raise BookingError("This offer is not yours.")
            if offer.status != StandbyOffer.Status.OFFERED:
                raise BookingError("This offer was already answered.")
            standby = Standby.objects.select_for_update().filter(
                user=offer.standby_user, until__gte=now).first()
            if standby is None:
                raise BookingError("That peer is no longer on standby.")
            session = _session_with_standby(offer, now)
            offer.status = StandbyOffer.Status.ACCEPTED
            offer.new_session = session
            offer.save(update_fields=["status", "new_session"])
            standby.delete()
            _email_on_commit(session, "booked")
            return session
    except IntegrityError:
        raise BookingError("That peer was just booked by someone else.") from None


def _session_with_standby(offer: StandbyOffer, now: datetime) -> MockSession:
    missed = offer.missed_session
    present_request = missed.request_of(offer.offered_to)
    standby_profile = offer.standby_user.profile
    starts = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    match = matching.Match(
        first=None, second=None, starts_at=starts, ends_at=starts + session_length(),
        shared_companies=frozenset(), overlap=(starts, starts + session_length()),
        explanation=f"standby peer stepping in for mock {missed.pk}")
    standby_request = MockRequest.objects.create(
        user=offer.standby_user, target_level=standby_profile.target_level,
        role_track=standby_profile.role_track or present_request.role_track,
        question_types=["any"], status=MockRequest.Status.MATCHED,
        created_at=now, waiting_since=now)
    present_copy = MockRequest.objects.create(
        user=offer.offered_to, target_level=present_request.target_level,
        role_track=present_request.role_track,
        question_types=present_request.question_types,
        focus_areas=present_request.focus_areas,
        status=MockRequest.Status.MATCHED, created_at=now, waiting_since=now)
    present_copy.companies.set(present_request.companies.all())
    return _create_session(present_copy, standby_request, match)


# --- reminders ------------------------------------------------------------------------------


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Email the 24-hour and 15-minute reminders that are due. Each is claimed with a
    conditional UPDATE first, so two schedulers never send the same reminder."""
    now = now or timezone.now()
    sent = 0
    for field_name, lead, label in (("reminded_day_before_at", timedelta(hours=24), "24 hours"),
                                    ("reminded_soon_at", timedelta(minutes=15), "15 minutes")):
        due = MockSession.objects.filter(
            status=MockSession.Status.SCHEDULED, starts_at__gt=now,
            starts_at__lte=now + lead, created_at__lte=F("starts_at") - lead,
            **{f"{field_name}__isnull": True})
        for session_id in due.values_list("pk", flat=True):
            claimed = MockSession.objects.filter(
                pk=session_id, **{f"{field_name}__isnull": True}).update(**{field_name: now})
            if claimed:
                from interviews.tasks import send_session_email

                send_session_email.delay(session_id, f"reminder:{label}", None)
                sent += 1
    return sent
