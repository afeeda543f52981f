"""The matching engine: pairs open mock requests, as plain data, with no database.

Rules for a pair (``pair_violations`` checks them one by one):

- two different people, neither paused;
- their availability windows share a stretch at least as long as the session
  (two rounds), and neither person is already booked then; sessions start on a
  slot boundary (every 30 minutes by default);
- compatible role tracks (``COMPATIBLE_TRACKS``);
- their focus areas overlap, when both gave some;
- target levels at most one altitude apart;
- a shared target company, unless one of them has waited at least the
  generic-match wait, or named no company at all.

Order: the request that has waited longest picks first; among the requests it may
pair with it takes the best fit (``fit_score``: a shared company, the same level,
shared focus areas, a reliable peer), then the one that has waited longest.

Speed: requests are indexed by (start slot, track group), so each request only
looks at the few requests that could start a session at the same time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ALTITUDE_NAMES = ("junior", "senior", "staff", "principal")

# Tracks whose loops share enough of the system design round to practise together.
COMPATIBLE_TRACKS: dict[str, frozenset[str]] = {
    "ml-engineer": frozenset({"ml-engineer", "ml-systems-engineer", "applied-scientist"}),
    "ml-systems-engineer": frozenset({"ml-systems-engineer", "ml-engineer",
                                      "research-engineer"}),
    "applied-scientist": frozenset({"applied-scientist", "ml-engineer"}),
    "research-engineer": frozenset({"research-engineer", "ml-systems-engineer"}),
}

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class OpenRequest:
    """An open mock request as the matcher sees it (all times aware, in UTC)."""

    request_id: int
    user_id: int
    created_at: datetime
    companies: frozenset[str]
    level_rank: int
    role_track: str
    focus_areas: frozenset[str]
    windows: tuple[Interval, ...]
    reliability: float = 100.0
    busy: tuple[Interval, ...] = ()
    paused: bool = False


@dataclass(frozen=True)
class MatchRules:
    session_minutes: int = 90
    slot_minutes: int = 30
    generic_after: timedelta = timedelta(hours=24)
    # No start beyond it is considered, whatever a stored window says.
    horizon: timedelta = timedelta(days=60)


@dataclass(frozen=True)
class Match:
    first: OpenRequest
    second: OpenRequest
    starts_at: datetime
    ends_at: datetime
    shared_companies: frozenset[str]
    overlap: Interval
    explanation: str = ""


LevelNamer = Callable[[str, int], str]


def default_level_name(company: str, rank: int) -> str:
    return ALTITUDE_NAMES[rank]


# --- the rules ------------------------------------------------------------------------


def tracks_compatible(a: str, b: str) -> bool:
    return b in COMPATIBLE_TRACKS.get(a, frozenset({a}))


def may_match_generically(request: OpenRequest, now: datetime, rules: MatchRules) -> bool:
    return not request.companies or now - request.created_at >= rules.generic_after


def _overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def feasible_starts(request: OpenRequest, rules: MatchRules, now: datetime) -> set[datetime]:
    """Slot-aligned start times at which a whole session fits this request's windows
    and none of its user's bookings."""
    length = timedelta(minutes=rules.session_minutes)
    step = timedelta(minutes=rules.slot_minutes)
    starts = set()
    for window_start, window_end in request.windows:
        window_end = min(window_end, now + rules.horizon)
        start = _ceil_to_slot(max(window_start, now), rules.slot_minutes)
        while start + length <= window_end:
            session = (start, start + length)
            if not any(_overlaps(session, busy) for busy in request.busy):
                starts.add(start)
            start += step
    return starts


def _ceil_to_slot(moment: datetime, slot_minutes: int) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    slot = timedelta(minutes=slot_minutes)
    slots = -((epoch - moment) // slot)  # ceiling division
    return epoch + slots * slot


def pair_violations(a: OpenRequest, b: OpenRequest, *, starts_at: datetime | None,
                    now: datetime, rules: MatchRules = MatchRules()) -> list[str]:
    """Every rule the pair (at the given start) breaks; empty when it may be booked."""
    problems = []
    if a.user_id == b.user_id:
        problems.append("same person")
    if a.paused or b.paused:
        problems.append("matching paused")
    if not tracks_compatible(a.role_track, b.role_track):
        problems.append(f"role tracks {a.role_track} and {b.role_track} do not fit")
    if a.focus_areas and b.focus_areas and not a.focus_areas & b.focus_areas:
        problems.append("no shared focus area")
    if abs(a.level_rank - b.level_rank) > 1:
        problems.append("levels more than one altitude apart")
    if not a.companies & b.companies and not (
            may_match_generically(a, now, rules) or may_match_generically(b, now, rules)):
        problems.append("no shared company and neither has waited long enough")
    if starts_at is None:
        problems.append("no start time")
    elif starts_at not in feasible_starts(a, rules, now) or \
            starts_at not in feasible_starts(b, rules, now):
        problems.append("the session does not fit both availabilities")
    return problems


def fit_score(a: OpenRequest, b: OpenRequest) -> tuple[bool, bool, int, float]:
    """Compared as a tuple, higher is better: a shared company first, then the same
    level, then the number of shared focus areas, then the peer's reliability."""
    return (bool(a.companies & b.companies), a.level_rank == b.level_rank,
            len(a.focus_areas & b.focus_areas), b.reliability)


# --- the engine -------------------------------------------------------------------------


@dataclass
class _Index:
    by_slot: dict[tuple[datetime, str], list[int]] = field(
        default_factory=lambda: defaultdict(list))
    starts: dict[int, set[datetime]] = field(default_factory=dict)


def find_matches(requests: Iterable[OpenRequest], *, now: datetime,
                 rules: MatchRules = MatchRules(),
                 level_name: LevelNamer = default_level_name,
                 company_names: dict[str, str] | None = None) -> list[Match]:
    """Pair as many open requests as the rules allow, oldest requests first."""
    pool = sorted((r for r in requests if not r.paused),
                  key=lambda r: (r.created_at, r.request_id))
    index = _Index()
    for position, request in enumerate(pool):
        starts = feasible_starts(request, rules, now)
        index.starts[position] = starts
        for start in starts:
            index.by_slot[(start, request.role_track)].append(position)

    taken_requests: set[int] = set()
    booked: dict[int, list[Interval]] = defaultdict(list)  # user -> sessions made here
    matches = []
    length = timedelta(minutes=rules.session_minutes)
    for position, request in enumerate(pool):
        if position in taken_requests:
            continue
        best = _best_partner(position, pool, index, taken_requests, booked, now, rules)
        if best is None:
            continue
        partner_position, start = best
        partner = pool[partner_position]
        taken_requests.update((position, partner_position))
        matches.append(_make_match(request, partner, start, rules, level_name,
                                   company_names or {}, booked, now))
        booked[request.user_id].append((start, start + length))
        booked[partner.user_id].append((start, start + length))
    return matches


def _best_partner(position: int, pool: list[OpenRequest], index: _Index,
                  taken: set[int], booked: dict[int, list[Interval]], now: datetime,
                  rules: MatchRules) -> tuple[int, datetime] | None:
    request = pool[position]
    length = timedelta(minutes=rules.session_minutes)
    generic_ok = may_match_generically(request, now, rules)
    best_key = None
    best = None
    eligible: dict[int, bool] = {}
    for start in index.starts[position]:
        session = (start, start + length)
        if any(_overlaps(session, slot) for slot in booked.get(request.user_id, ())):
            continue
        for track in COMPATIBLE_TRACKS.get(request.role_track, (request.role_track,)):
            for other_position in index.by_slot.get((start, track), ()):
                if other_position in taken or other_position == position:
                    continue
                other = pool[other_position]
                ok = eligible.get(other_position)
                if ok is None:
                    ok = eligible[other_position] = (
                        other.user_id != request.user_id
                        and _rules_hold(request, other, generic_ok, now, rules))
                if not ok:
                    continue
                if any(_overlaps(session, slot) for slot in booked.get(other.user_id, ())):
                    continue
                # Best fit, then the partner who waited longest, then the earliest start.
                fit = fit_score(request, other)
                key = ((-fit[0], -fit[1], -fit[2], -fit[3]), other.created_at,
                       other.request_id, start)
                if best_key is None or key < best_key:
                    best_key, best = key, (other_position, start)
    return best


def _rules_hold(a: OpenRequest, b: OpenRequest, generic_ok: bool, now: datetime,
                rules: MatchRules) -> bool:
    if abs(a.level_rank - b.level_rank) > 1:
        return False
    if a.focus_areas and b.focus_areas and not a.focus_areas & b.focus_areas:
        return False
    if a.companies & b.companies:
        return True
    return generic_ok or may_match_generically(b, now, rules)


def _make_match(a: OpenRequest, b: OpenRequest, start: datetime, rules: MatchRules,
                level_name: LevelNamer, company_names: dict[str, str],
                booked: dict[int, list[Interval]], now: datetime | None = None) -> Match:
    end = start + timedelta(minutes=rules.session_minutes)
    taken = [*a.busy, *b.busy, *booked.get(a.user_id, ()), *booked.get(b.user_id, ())]
    overlap = _free_overlap_around(a, b, start, end, taken)
    if now is not None:
        overlap = (max(overlap[0], now), overlap[1])
    shared = a.companies & b.companies
    return Match(first=a, second=b, starts_at=start, ends_at=end, shared_companies=shared,
                 overlap=overlap,
                 explanation=explain(a, b, shared, overlap, level_name, company_names))


def _free_overlap_around(a: OpenRequest, b: OpenRequest, start: datetime, end: datetime,
                         taken: list[Interval]) -> Interval:
    """The stretch around the session when both are available and neither is busy."""
    def window_of(request: OpenRequest) -> Interval:
        return next(w for w in request.windows if w[0] <= start and end <= w[1])

    wa, wb = window_of(a), window_of(b)
    low, high = max(wa[0], wb[0]), min(wa[1], wb[1])
    for busy_start, busy_end in taken:
        if busy_end <= start:
            low = max(low, busy_end)
        elif busy_start >= end:
            high = min(high, busy_start)
    return (low, high)


def explain(a: OpenRequest, b: OpenRequest, shared: frozenset[str], overlap: Interval,
            level_name: LevelNamer, company_names: dict[str, str] | None = None) -> str:
    """One line a person can check: who shares what, and when they are both free."""
    names = company_names or {}

    def company_label(slug: str) -> str:
        return names.get(slug) or default_company_label(slug)

    same_day = overlap[0].date() == overlap[1].date()
    until = f"{overlap[1]:%H:%M}" if same_day else f"{overlap[1]:%a %H:%M}"
    when = f"overlap {overlap[0]:%a %H:%M}-{until} UTC"
    if shared:
        company = sorted(shared)[0]
        if a.level_rank == b.level_rank:
            target = f"both target {company_label(company)} {level_name(company, a.level_rank)}"
        else:
            target = (f"both target {company_label(company)} "
                      f"({level_name(company, a.level_rank)} and "
                      f"{level_name(company, b.level_rank)})")
    else:
        target = "generic match (no shared company after the wait)"
    focus = a.focus_areas & b.focus_areas
    extra = f", both practise {', '.join(sorted(focus))}" if focus else ""
    return f"{target}{extra}, {when}"


COMPANY_LABELS = {
    "openai": "OpenAI", "xai": "xAI", "hugging-face": "Hugging Face",
    "cursor-replit": "Cursor/Replit",
}


def default_company_label(slug: str) -> str:
    return COMPANY_LABELS.get(slug, slug.replace("-", " ").title())
