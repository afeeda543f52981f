"""The matching rules, through ``find_matches`` and ``pair_violations`` (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interviews.matching import MatchRules, OpenRequest, find_matches, pair_violations

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday morning
FIT = "the session does not fit both availabilities"
GENERIC = "no shared company and neither has waited long enough"


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


EVENING = ((at(18), at(21)),)
SIX_PM = at(18)
DEFAULT_RULES = MatchRules()


def request(request_id: int, user_id: int | None = None, *,
            waited: timedelta = timedelta(hours=1), companies=("openai",), level: int = 1,
            track: str = "ml-engineer", focus=(), windows=EVENING,
            reliability: float = 100.0, busy=(), paused: bool = False) -> OpenRequest:
    return OpenRequest(
        request_id=request_id,
        user_id=request_id if user_id is None else user_id,
        created_at=NOW - waited,
        companies=frozenset(companies),
        level_rank=level,
        role_track=track,
        focus_areas=frozenset(focus),
        windows=tuple(windows),
        reliability=reliability,
        busy=tuple(busy),
        paused=paused,
    )


def pairs(matches) -> set[frozenset[int]]:
    return {frozenset((m.first.request_id, m.second.request_id)) for m in matches}


def violations(a: OpenRequest, b: OpenRequest, starts_at: datetime | None = SIX_PM,
               rules: MatchRules = DEFAULT_RULES) -> list[str]:
    return pair_violations(a, b, starts_at=starts_at, now=NOW, rules=rules)


# --- availability -----------------------------------------------------------------------


def test_it_refuses_an_overlap_shorter_than_the_session():
    a = request(1, windows=[(at(18), at(20))])
    b = request(2, windows=[(at(18, 30), at(19, 59))])  # 89 minutes together

    assert find_matches([a, b], now=NOW) == []
    assert FIT in violations(a, b, starts_at=at(18, 30))


def test_it_accepts_an_overlap_of_exactly_the_session_length():
    a = request(1, windows=[(at(17), at(20))])
    b = request(2, windows=[(at(18, 30), at(20))])  # exactly 90 minutes together

    [match] = find_matches([a, b], now=NOW)

    assert (match.starts_at, match.ends_at) == (at(18, 30), at(20))
    assert violations(a, b, starts_at=at(18, 30)) == []


def test_it_honours_a_configured_session_length():
    a = request(1, windows=[(at(18), at(19))])
    b = request(2, windows=[(at(18), at(19))])
    rules = MatchRules(session_minutes=60)

    [match] = find_matches([a, b], now=NOW, rules=rules)

    assert (match.starts_at, match.ends_at) == (at(18), at(19))
    assert find_matches([a, b], now=NOW) == []  # 90 minutes do not fit


def test_it_starts_sessions_on_slot_boundaries():
    a = request(1, windows=[(at(18, 10), at(20, 10))])
    b = request(2, windows=[(at(18, 5), at(21))])

    [match] = find_matches([a, b], now=NOW)

    assert match.starts_at == at(18, 30)  # not 18:10, when both are already free
    assert FIT in violations(a, b, starts_at=at(18, 10))
    assert violations(a, b, starts_at=at(18, 30)) == []


def test_it_starts_on_the_configured_slot_boundaries():
    a = request(1, windows=[(at(18, 10), at(20, 10))])
    b = request(2, windows=[(at(18, 5), at(21))])
    rules = MatchRules(slot_minutes=15)

    [match] = find_matches([a, b], now=NOW, rules=rules)

    assert match.starts_at == at(18, 15)


def test_it_refuses_a_window_too_short_once_aligned_to_a_slot():
    a = request(1, windows=[(at(18, 10), at(19, 50))])  # 100 minutes, 80 from 18:30
    b = request(2, windows=[(at(18), at(21))])

    assert find_matches([a, b], now=NOW) == []


def test_it_never_starts_a_session_before_now():
    a = request(1, windows=[(at(8), at(11))])
    b = request(2, windows=[(at(8), at(11))])

    [match] = find_matches([a, b], now=NOW)

    assert match.starts_at == at(9)
    assert FIT in violations(a, b, starts_at=at(8, 30))


# --- who may pair -----------------------------------------------------------------------


def test_it_never_pairs_two_requests_of_the_same_user():
    first = request(1, user_id=7, companies=("openai",))
    second = request(2, user_id=7, companies=("openai",), waited=timedelta(hours=2))

    assert find_matches([first, second], now=NOW) == []
    assert "same person" in violations(first, second)


@pytest.mark.parametrize(("track_a", "track_b"), [
    ("applied-scientist", "research-engineer"),
    ("applied-scientist", "ml-systems-engineer"),
    ("ml-engineer", "research-engineer"),
])
def test_it_refuses_incompatible_tracks(track_a, track_b):
    a = request(1, track=track_a)
    b = request(2, track=track_b)

    assert find_matches([a, b], now=NOW) == []
    assert find_matches([b, a], now=NOW) == []
    assert f"role tracks {track_a} and {track_b} do not fit" in violations(a, b)


@pytest.mark.parametrize(("track_a", "track_b"), [
    ("ml-engineer", "ml-engineer"),
    ("ml-engineer", "ml-systems-engineer"),
    ("ml-engineer", "applied-scientist"),
    ("ml-systems-engineer", "research-engineer"),
    ("research-engineer", "research-engineer"),
    ("applied-scientist", "applied-scientist"),
])
def test_it_accepts_compatible_tracks(track_a, track_b):
    a = request(1, track=track_a, waited=timedelta(hours=2))
    b = request(2, track=track_b)

    assert pairs(find_matches([a, b], now=NOW)) == {frozenset({1, 2})}
    assert violations(a, b) == []
    # Compatibility goes both ways: the other one picking first finds the same pair.
    a_younger = request(1, track=track_a)
    b_older = request(2, track=track_b, waited=timedelta(hours=2))
    assert pairs(find_matches([a_younger, b_older], now=NOW)) == {frozenset({1, 2})}


def test_it_refuses_focus_areas_that_do_not_overlap():
    a = request(1, focus=("ranking",))
    b = request(2, focus=("retrieval", "llm-serving"))

    assert find_matches([a, b], now=NOW) == []
    assert "no shared focus area" in violations(a, b)


def test_it_accepts_focus_areas_that_overlap():
    a = request(1, focus=("ranking", "retrieval"))
    b = request(2, focus=("retrieval", "llm-serving"))

    assert pairs(find_matches([a, b], now=NOW)) == {frozenset({1, 2})}
    assert violations(a, b) == []


@pytest.mark.parametrize(("focus_a", "focus_b"), [((), ("ranking",)), (("ranking",), ()),
                                                  ((), ())])
def test_it_ignores_focus_areas_when_one_gave_none(focus_a, focus_b):
    a = request(1, focus=focus_a)
    b = request(2, focus=focus_b)

    assert pairs(find_matches([a, b], now=NOW)) == {frozenset({1, 2})}
    assert violations(a, b) == []


@pytest.mark.parametrize(("level_a", "level_b"), [(0, 2), (1, 3), (3, 1), (0, 3)])
def test_it_refuses_levels_two_or_more_apart(level_a, level_b):
    a = request(1, level=level_a)
    b = request(2, level=level_b)

    assert find_matches([a, b], now=NOW) == []
    assert "levels more than one altitude apart" in violations(a, b)


@pytest.mark.parametrize(("level_a", "level_b"), [(0, 1), (2, 1), (2, 3), (2, 2)])
def test_it_accepts_levels_at_most_one_apart(level_a, level_b):
    a = request(1, level=level_a)
    b = request(2, level=level_b)

    assert pairs(find_matches([a, b], now=NOW)) == {frozenset({1, 2})}
    assert violations(a, b) == []


def test_it_refuses_no_shared_company_while_both_are_fresh():
    a = request(1, companies=("openai",), waited=timedelta(hours=23, minutes=59))
    b = request(2, companies=("google",), waited=timedelta(hours=1))

    assert find_matches([a, b], now=NOW) == []
    assert GENERIC in violations(a, b)


def test_it_accepts_a_shared_company_among_several():
    a = request(1, companies=("openai", "meta"))
    b = request(2, companies=("meta", "google"))

    [match] = find_matches([a, b], now=NOW)

    assert match.shared_companies == {"meta"}
    assert violations(a, b) == []


def test_it_matches_generically_once_one_has_waited_longer_than_the_wait():
    a = request(1, companies=("openai",), waited=timedelta(hours=25))
    b = request(2, companies=("google",), waited=timedelta(hours=1))

    [match] = find_matches([a, b], now=NOW)

    assert match.shared_companies == frozenset()
    assert violations(a, b) == []
    assert violations(b, a) == []


def test_it_reads_the_generic_wait_from_the_rules():
    a = request(1, companies=("openai",), waited=timedelta(hours=3))
    b = request(2, companies=("google",), waited=timedelta(hours=1))
    patient = MatchRules(generic_after=timedelta(hours=24))
    impatient = MatchRules(generic_after=timedelta(hours=2))

    assert find_matches([a, b], now=NOW, rules=patient) == []
    assert GENERIC in violations(a, b, rules=patient)
    assert pairs(find_matches([a, b], now=NOW, rules=impatient)) == {frozenset({1, 2})}
    assert violations(a, b, rules=impatient) == []


@pytest.mark.parametrize("no_company_first", [True, False])
def test_it_matches_generically_at_once_when_one_named_no_company(no_company_first):
    a = request(1, companies=(), waited=timedelta(minutes=5))
    b = request(2, companies=("google",), waited=timedelta(minutes=10))
    ordered = [a, b] if no_company_first else [b, a]

    [match] = find_matches(ordered, now=NOW)

    assert match.shared_companies == frozenset()
    assert violations(a, b) == []


def test_it_never_matches_a_paused_user():
    paused = request(1, paused=True, waited=timedelta(hours=30))
    perfect = request(2)

    assert find_matches([paused, perfect], now=NOW) == []
    assert "matching paused" in violations(paused, perfect)
    assert "matching paused" in violations(perfect, paused)


def test_it_still_matches_the_others_around_a_paused_user():
    paused = request(1, paused=True, waited=timedelta(hours=30))
    others = [request(2, waited=timedelta(hours=2)), request(3)]

    assert pairs(find_matches([paused, *others], now=NOW)) == {frozenset({2, 3})}


def test_it_keeps_sessions_out_of_a_users_busy_interval():
    a = request(1, windows=[(at(18), at(21))], busy=[(at(17, 30), at(19))])
    b = request(2, windows=[(at(18), at(21))])

    [match] = find_matches([a, b], now=NOW)

    assert match.starts_at == at(19)
    assert FIT in violations(a, b, starts_at=at(18))
    assert FIT in violations(a, b, starts_at=at(18, 30))  # still starts inside the busy time
    assert violations(a, b, starts_at=at(19)) == []


def test_it_refuses_a_pair_when_busy_covers_the_only_fitting_time():
    a = request(1, windows=[(at(18), at(20))])
    b = request(2, windows=[(at(18), at(20))], busy=[(at(19, 15), at(19, 45))])

    assert find_matches([a, b], now=NOW) == []
    assert FIT in violations(a, b, starts_at=at(18))


# --- order and preference ---------------------------------------------------------------


def test_it_lets_the_oldest_request_pick_first():
    youngest = request(1, companies=("openai", "google"), waited=timedelta(hours=1))
    middle = request(2, companies=("google",), waited=timedelta(hours=5))
    oldest = request(3, companies=("openai",), waited=timedelta(hours=10))

    matches = find_matches([youngest, middle, oldest], now=NOW)

    # Both the middle and the oldest request could only pair with the youngest one.
    assert pairs(matches) == {frozenset({1, 3})}
    assert matches[0].first.request_id == 3


def test_it_prefers_a_shared_company_over_a_peer_who_waited_longer():
    picker = request(1, companies=("openai",), waited=timedelta(hours=30))
    generic = request(2, companies=("google",), waited=timedelta(hours=20))
    shared = request(3, companies=("openai",), waited=timedelta(hours=1))
    assert violations(picker, generic) == []  # it would have been allowed

    [match] = find_matches([picker, generic, shared], now=NOW)

    assert (match.first.request_id, match.second.request_id) == (1, 3)


def test_it_prefers_the_same_level_over_an_adjacent_one():
    picker = request(1, level=2, waited=timedelta(hours=10))
    adjacent = request(2, level=3, waited=timedelta(hours=5))
    same = request(3, level=2, waited=timedelta(hours=1))

    [match] = find_matches([picker, adjacent, same], now=NOW)

    assert match.second.request_id == 3


def test_it_prefers_more_shared_focus_areas():
    picker = request(1, focus=("ranking", "retrieval"), waited=timedelta(hours=10))
    one = request(2, focus=("ranking",), waited=timedelta(hours=5))
    two = request(3, focus=("ranking", "retrieval"), waited=timedelta(hours=1))

    [match] = find_matches([picker, one, two], now=NOW)

    assert match.second.request_id == 3


def test_it_ranks_the_more_reliable_peer_first_when_all_else_is_equal():
    picker = request(1, waited=timedelta(hours=10))
    flaky = request(2, reliability=60, waited=timedelta(hours=5))
    reliable = request(3, reliability=90, waited=timedelta(hours=1))

    [match] = find_matches([picker, flaky, reliable], now=NOW)

    assert match.second.request_id == 3


def test_it_prefers_the_peer_who_waited_longest_when_the_fit_is_equal():
    picker = request(1, waited=timedelta(hours=10))
    newer = request(2, waited=timedelta(hours=1))  # free from 18:00
    older = request(3, waited=timedelta(hours=5), windows=[(at(19, 30), at(21))])

    [match] = find_matches([picker, newer, older], now=NOW)

    # Waiting outranks an earlier start.
    assert (match.second.request_id, match.starts_at) == (3, at(19, 30))


def test_it_takes_the_earliest_start_with_the_best_peer():
    a = request(1, windows=[(at(18), at(21)), (at(18, day=11), at(21, day=11))])
    b = request(2, windows=[(at(18, day=11), at(21, day=11)), (at(19), at(22))])

    [match] = find_matches([a, b], now=NOW)

    assert match.starts_at == at(19)


# --- bookings within one run ------------------------------------------------------------


def test_it_does_not_book_a_user_twice_at_overlapping_times():
    # One person with two open requests, both only free Tuesday 18:00-19:30; two peers
    # who fit that person but not each other.
    first = request(1, user_id=7, track="ml-engineer", windows=[(at(18), at(19, 30))],
                    waited=timedelta(hours=3))
    second = request(2, user_id=7, track="ml-engineer", windows=[(at(18), at(19, 30))],
                     waited=timedelta(hours=2))
    peer_a = request(3, track="applied-scientist", waited=timedelta(hours=5))
    peer_b = request(4, track="ml-systems-engineer", waited=timedelta(hours=4))
    assert violations(second, peer_b) == []  # fine on its own

    matches = find_matches([first, second, peer_a, peer_b], now=NOW)

    assert len(matches) == 1
    assert [m.starts_at for m in matches] == [at(18)]


def test_it_books_a_user_twice_when_the_sessions_do_not_overlap():
    first = request(1, user_id=7, windows=[(at(18), at(19, 30))], waited=timedelta(hours=3))
    second = request(2, user_id=7, windows=[(at(18), at(21))], waited=timedelta(hours=2))
    peer_a = request(3, track="applied-scientist", waited=timedelta(hours=5))
    peer_b = request(4, track="ml-systems-engineer", waited=timedelta(hours=4))

    matches = find_matches([first, second, peer_a, peer_b], now=NOW)

    sessions = sorted((m.starts_at, m.ends_at) for m in matches
                      if 7 in (m.first.user_id, m.second.user_id))
    assert len(sessions) == 2
    assert sessions[0][1] <= sessions[1][0]
    used = [r.request_id for m in matches for r in (m.first, m.second)]
    assert len(used) == len(set(used))


# --- the explanation --------------------------------------------------------------------


def test_it_explains_a_match_with_company_level_and_overlap():
    calls = []

    def level_name(company: str, rank: int) -> str:
        calls.append((company, rank))
        return f"L{rank + 4}"

    a = request(1, companies=("anthropic", "openai"), level=2, focus=("ranking",),
                windows=[(at(17), at(20))], waited=timedelta(hours=2))
    b = request(2, companies=("anthropic",), level=2, focus=("ranking", "retrieval"),
                windows=[(at(18), at(21))])

    [match] = find_matches([a, b], now=NOW, level_name=level_name)

    assert match.explanation.startswith("both target Anthropic L6")
    assert "ranking" in match.explanation
    assert match.explanation.endswith("overlap Tue 18:00-20:00 UTC")
    assert match.overlap == (at(18), at(20))
    assert ("anthropic", 2) in calls


def test_it_explains_adjacent_levels_with_both_names():
    a = request(1, companies=("cursor-replit",), level=1, waited=timedelta(hours=2))
    b = request(2, companies=("cursor-replit",), level=2)

    [match] = find_matches([a, b], now=NOW,
                           level_name=lambda company, rank: ("E4", "E5", "E6", "E7")[rank])

    assert "Cursor/Replit" in match.explanation
    assert "both target Cursor/Replit (E5 and E6)" in match.explanation
    assert "overlap Tue 18:00-21:00 UTC" in match.explanation


def test_it_explains_a_generic_match():
    a = request(1, companies=("openai",), waited=timedelta(hours=30))
    b = request(2, companies=("google",))

    [match] = find_matches([a, b], now=NOW)

    assert match.explanation.startswith("generic match")
    assert "overlap Tue 18:00-21:00 UTC" in match.explanation
