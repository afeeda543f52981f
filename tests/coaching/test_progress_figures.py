"""The progress computations on plain data: each rule against a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coaching.progress import (
    CompanyFocus,
    GradedRound,
    PractisedRound,
    Verdict,
    calibration_point,
    company_grid,
    coverage,
    dimension_order,
    dimension_series,
    export_rows,
    is_falling,
    level_name,
    most_behind,
    self_grade_trend,
)

T0 = datetime(2025, 1, 1, 18, tzinfo=UTC)
META, GOOGLE = 1, 2
LADDERS = {META: {"senior": "E5", "staff": "E6"},
           GOOGLE: {"senior": "L5", "staff": "L7", "principal": "L8"}}


def graded(day, company, peer, own, peer_scores, self_scores=None, answers=None, rid=None):
    return GradedRound(
        round_id=rid or day, starts_at=T0 + timedelta(days=day), company_id=company,
        question_title=f"q{day}", question_type="design", round_target="staff",
        peer=Verdict(LADDERS[company].get(peer, peer), peer),
        self_verdict=Verdict(LADDERS[company].get(own, own), own),
        peer_scores=peer_scores, self_scores=self_scores or {}, self_answers=answers or {})


@pytest.mark.parametrize(("verdicts", "falling"), [
    ([], False),
    (["staff"], False),
    (["staff", "senior"], True),
    (["senior", "staff"], False),
    (["staff", "staff", "staff", "senior", "staff", "staff"], True),  # 2.0 before, 1.67 after
    (["senior", "senior", "senior", "staff", "senior", "senior"], False),  # 1.0 -> 1.33
    (["junior", "principal", "staff", "staff", "staff", "staff"], False),  # equal means
    (["principal", "senior", "senior", "senior", "senior"], False),  # only the last 2+2 count
])
def test_a_trend_falls_when_the_latest_verdicts_average_lower(verdicts, falling):
    assert is_falling(verdicts) is falling


@pytest.mark.parametrize(("scores", "target", "expected"), [
    ([], "staff", None),
    ([{"a": "staff", "b": "principal"}], "staff", None),  # nothing below target
    ([{"a": "senior", "b": "junior"}], "staff", ("b", -2.0)),
    ([{"a": "junior", "b": "junior"}], "staff", ("a", -2.0)),  # tie: rubric order
    ([{"a": "junior"}, {"a": "staff", "b": "senior"}], "staff", ("a", -1.0)),  # tie again
    ([{"a": "junior"}, {"a": "principal"}, {"b": "senior"}], "senior", None),
    ([{"x": "junior"}, {"x": "senior"}, {"a": "senior"}], "staff", ("x", -1.5)),
])
def test_the_dimension_most_behind_target(scores, target, expected):
    found = most_behind(scores, target, order=["a", "b"])
    assert (None if found is None else (found.dimension, found.gap)) == expected


def test_the_grid_keeps_the_latest_score_per_company_and_names_it_on_its_ladder():
    rounds = [
        graded(1, META, "senior", "staff", {"fm": "junior", "q": "staff"}),
        graded(3, GOOGLE, "staff", "staff", {"fm": "principal"}),
        graded(5, META, "staff", "senior", {"fm": "staff"}),
    ]
    grid = company_grid(rounds, company_ids=[GOOGLE, META, 99], dimensions=["fm", "q"],
                        target="staff", ladders=LADDERS)
    google, meta, unknown = grid
    assert (meta.target_level, meta.verdict.label, meta.rounds) == ("E6", "E6", 2)
    assert [(c.altitude, c.level, c.status) for c in meta.cells] == [
        ("staff", "E6", "at"), ("staff", "E6", "at")]
    assert [(c.altitude, c.level, c.status) for c in google.cells] == [
        ("principal", "L8", "above"), (None, "", "none")]
    assert unknown.target_level == "Staff" and unknown.verdict is None
    assert level_name(LADDERS[META], "junior") == "Junior"  # no junior rung at Meta


def test_calibration_is_self_minus_peer_over_the_dimensions_both_scored():
    point = calibration_point(graded(1, META, "senior", "staff",
                                     {"a": "junior", "b": "senior", "c": "staff"},
                                     {"a": "staff", "b": "senior"}))
    assert point.level_gap == 1
    assert point.rubric_gap == pytest.approx(1.0)  # (2 + 0) / 2, c scored by the peer only
    assert point.dimensions == 2
    assert calibration_point(graded(1, META, "staff", "senior", {"a": "senior"})).rubric_gap \
        is None


def test_the_self_grade_trend_is_a_moving_average_of_the_answers():
    answers = ["yes", "no", "partly", None, "yes", "yes", "no"]
    rounds = [graded(i, META, "senior", "senior", {}, answers={"clarify": a} if a else {})
              for i, a in enumerate(answers)]
    trend = self_grade_trend(rounds, ["clarify", "commit"], window=3)
    assert [p.answers["clarify"] for p in trend] == answers
    assert [p.moving["clarify"] for p in trend] == pytest.approx(
        [1.0, 0.5, 0.5, 0.5, 0.5, 2.5 / 3, 2 / 3])
    assert all(p.moving["commit"] is None for p in trend)


def test_series_follow_time_and_the_rubric_order():
    rounds = [graded(5, META, "staff", "staff", {"own-dim": "staff", "b": "senior"}, rid=7),
              graded(1, META, "senior", "staff", {"a": "junior", "b": "junior"}, rid=8)]
    order = dimension_order(rounds, preferred=["a", "b", "c"])
    assert order == ["a", "b", "own-dim"]
    series = {s.key: s for s in dimension_series(rounds, order)}
    assert [(g.round_id, a) for g, a in series["b"].points] == [(8, "junior"), (7, "senior")]
    assert series["a"].latest == "junior" and series["own-dim"].latest == "staff"


def test_coverage_shows_what_the_target_companies_stress_and_was_never_practised():
    practised = [PractisedRound(1, T0, META, "design", ("llm-serving", "kv-cache")),
                 PractisedRound(2, T0, META, "design", ("llm-serving",)),
                 PractisedRound(3, T0, GOOGLE, "debug", ("kv-cache",))]
    companies = [CompanyFocus(META, "Meta", ("multi-tenancy", "llm-serving"),
                              {"design": 6, "concept": 3, "drill": 1}),
                 CompanyFocus(GOOGLE, "Google", ("llm-serving", "gpu-hardware"),
                              {"design": 19, "oncall": 1})]
    found = coverage(practised, companies,
                     ["design", "debug", "drill", "oncall", "concept"])
    assert [(r.area, r.practised, r.emphasised_by, r.gap) for r in found.focus] == [
        ("llm-serving", 2, ("Meta", "Google"), False),
        ("gpu-hardware", 0, ("Google",), True),
        ("multi-tenancy", 0, ("Meta",), True)]
    rows = {r.question_type: r for r in found.types}
    assert list(rows) == ["design", "debug", "drill", "oncall", "concept"]
    assert rows["design"].practised_share == pytest.approx(2 / 3)
    assert rows["concept"].company_shares == pytest.approx((0.3, 0.0))
    assert rows["concept"].gap and rows["drill"].gap  # 30% and 10% of Meta's questions
    assert not rows["oncall"].gap  # 5% of Google's: not stressed enough to call a gap
    assert found.gaps == ["gpu-hardware", "multi-tenancy", "drill", "concept"]


def test_the_export_has_a_row_per_round_and_dimension_either_grade_scored():
    rounds = [graded(2, META, "staff", "senior", {"a": "staff"}, {"a": "senior", "z": "junior"}),
              graded(1, GOOGLE, "senior", "staff", {"a": "junior"}, {"a": "staff"})]
    rows = export_rows(rounds, target="staff", company_names={META: "Meta", GOOGLE: "Google"},
                       ladders=LADDERS, dimension_names={"a": "Dimension A"})
    assert [(r["company"], r["dimension"], r["peer_altitude"], r["self_altitude"],
             r["self_minus_peer"], r["peer_minus_target"], r["peer_level"]) for r in rows] == [
        ("Google", "a", "junior", "staff", 2, -2, "Junior"),
        ("Meta", "a", "staff", "senior", -1, 0, "E6"),
        ("Meta", "z", "", "junior", "", "", "")]
    assert rows[0]["dimension_name"] == "Dimension A" and rows[0]["date"].startswith("2025-01-02")
