"""Benchmark the matching engine on a realistic, seeded pool of open mock requests.

    .venv/bin/python bench/matching.py

Times ``find_matches`` for 1,000 and 10,000 requests (best of 3 runs), then checks
every returned pair with ``pair_violations`` at the match's start, that no request is
in two matches and that no user is booked twice at overlapping times. The last line is

    RESULT n=10000 seconds=<float> matched_share=<float> violations=<int>
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from interviews.matching import (  # noqa: E402
    Match,
    MatchRules,
    OpenRequest,
    find_matches,
    pair_violations,
)

SEED = 20260310
NOW = datetime(2026, 3, 10, 14, 7, 23, tzinfo=UTC)  # deliberately not on a slot boundary
SIZES = (1_000, 10_000)
RUNS = 3

# Big labs first: they attract most of the candidates.
COMPANIES = {
    "openai": 16, "google": 15, "meta": 13, "anthropic": 12, "amazon": 11,
    "microsoft": 10, "netflix": 5, "stripe": 4, "databricks": 4, "xai": 3,
    "cohere": 2, "mistral": 2, "cursor-replit": 2, "hugging-face": 2,
}
COMPANY_COUNTS = {0: 12, 1: 45, 2: 28, 3: 15}  # how many target companies
LEVELS = {0: 15, 1: 40, 2: 33, 3: 12}
TRACKS = {"ml-engineer": 40, "ml-systems-engineer": 25, "applied-scientist": 20,
          "research-engineer": 15}
FOCUS_AREAS = ("recommendation", "ranking", "llm-serving", "training-infra",
               "retrieval", "evaluation", "feature-stores", "distributed-training")
FOCUS_COUNTS = {0: 25, 1: 35, 2: 28, 3: 12}
# UTC offsets (hours) of where candidates live, weighted: US, Europe, India, East Asia...
UTC_OFFSETS = {-8: 20, -7: 6, -6: 5, -5: 15, -3: 3, 0: 7, 1: 12, 2: 4, 3: 2,
               5.5: 10, 8: 7, 9: 5, 10: 3, 12: 1}
WINDOW_COUNTS = {1: 40, 2: 35, 3: 25}
PAUSED_SHARE = 0.03
BUSY_SHARE = 0.15
SECOND_REQUEST_SHARE = 0.08  # requests filed by a user who already has one open


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample_companies(rng: random.Random) -> frozenset[str]:
    wanted = _pick(rng, COMPANY_COUNTS)
    chosen: set[str] = set()
    while len(chosen) < wanted:
        chosen.add(_pick(rng, COMPANIES))
    return frozenset(chosen)


def _windows(rng: random.Random, offset_hours: float) -> tuple[tuple[datetime, datetime], ...]:
    """1-3 evening windows, local time, over the next 14 days, as UTC intervals."""
    offset = timedelta(hours=offset_hours)
    local_today = (NOW + offset).replace(hour=0, minute=0, second=0, microsecond=0)
    days = rng.sample(range(15), _pick(rng, WINDOW_COUNTS))
    windows = []
    for day in sorted(days):
        local_start = local_today + timedelta(
            days=day, hours=rng.randint(17, 20), minutes=rng.choice(range(0, 60, 5)))
        start = local_start - offset  # back to UTC
        end = start + timedelta(minutes=rng.randint(120, 240))
        if end - timedelta(minutes=90) > NOW and start < NOW + timedelta(days=14):
            windows.append((start, end))
    if not windows:  # every sampled evening was already over: take tomorrow's
        start = local_today + timedelta(days=1, hours=19) - offset
        windows.append((start, start + timedelta(hours=3)))
    return tuple(windows)


def _busy(rng: random.Random, windows) -> tuple[tuple[datetime, datetime], ...]:
    """Something already in the calendar, usually cutting into one of the windows."""
    window_start, window_end = rng.choice(windows)
    start = window_start + timedelta(minutes=rng.choice(range(-60, 150, 15)))
    return ((start, start + timedelta(minutes=rng.choice((45, 60, 90, 120)))),)


def generate(n: int, seed: int = SEED) -> list[OpenRequest]:
    rng = random.Random(seed)
    users: dict[int, dict] = {}
    requests = []
    for request_id in range(1, n + 1):
        if users and rng.random() < SECOND_REQUEST_SHARE:
            user_id = rng.choice(list(users))
            user = users[user_id]
        else:
            user_id = len(users) + 1
            user = users[user_id] = {
                "offset": _pick(rng, UTC_OFFSETS),
                "reliability": round(rng.uniform(40, 100), 1),
                "paused": rng.random() < PAUSED_SHARE,
                "busy": None,
                "wants_busy": rng.random() < BUSY_SHARE,
            }
        windows = _windows(rng, user["offset"])
        if user["wants_busy"] and user["busy"] is None:
            user["busy"] = _busy(rng, windows)
        focus = frozenset(rng.sample(FOCUS_AREAS, _pick(rng, FOCUS_COUNTS)))
        requests.append(OpenRequest(
            request_id=request_id,
            user_id=user_id,
            created_at=NOW - timedelta(seconds=rng.randint(60, 3 * 24 * 3600)),
            companies=_sample_companies(rng),
            level_rank=_pick(rng, LEVELS),
            role_track=_pick(rng, TRACKS),
            focus_areas=focus,
            windows=windows,
            reliability=user["reliability"],
            busy=user["busy"] or (),
            paused=user["paused"],
        ))
    return requests


def verify(matches: list[Match], rules: MatchRules) -> list[str]:
    """Every problem found in the matches: broken rules, reused requests, double bookings."""
    problems = []
    seen_requests: set[int] = set()
    sessions: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    length = timedelta(minutes=rules.session_minutes)
    for match in matches:
        pair = (match.first.request_id, match.second.request_id)
        for broken in pair_violations(match.first, match.second, starts_at=match.starts_at,
                                      now=NOW, rules=rules):
            problems.append(f"{pair}: {broken}")
        if match.ends_at - match.starts_at != length:
            problems.append(f"{pair}: session lasts {match.ends_at - match.starts_at}")
        for request in (match.first, match.second):
            if request.request_id in seen_requests:
                problems.append(f"request {request.request_id} is in two matches")
            seen_requests.add(request.request_id)
            sessions[request.user_id].append((match.starts_at, match.ends_at,
                                               request.request_id))
    for user_id, booked in sessions.items():
        booked.sort()
        for (_, end, first), (start, _, second) in zip(booked, booked[1:], strict=False):
            if start < end:
                problems.append(f"user {user_id} booked twice at once "
                                f"(requests {first} and {second})")
    return problems


def bench(n: int, rules: MatchRules) -> tuple[float, float, int]:
    requests = generate(n)
    timings = []
    matches: list[Match] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        matches = find_matches(requests, now=NOW, rules=rules)
        timings.append(time.perf_counter() - started)
    seconds = min(timings)
    problems = verify(matches, rules)
    for problem in problems[:10]:
        print(f"  violation: {problem}")
    matched = 2 * len(matches)
    share = matched / n
    print(f"n={n}: {len(matches)} matches, {matched} of {n} requests matched "
          f"({share:.1%}) in {seconds:.3f}s best of {RUNS} "
          f"[{', '.join(f'{t:.3f}' for t in timings)}]; "
          f"{n / seconds:,.0f} requests/s processed, "
          f"{matched / seconds:,.0f} requests matched/s; violations={len(problems)}")
    return seconds, share, len(problems)


def main() -> None:
    rules = MatchRules()
    result = None
    for n in SIZES:
        result = (n, *bench(n, rules))
    n, seconds, share, violations = result
    print(f"RESULT n={n} seconds={seconds:.4f} matched_share={share:.4f} "
          f"violations={violations}")


if __name__ == "__main__":
    main()
