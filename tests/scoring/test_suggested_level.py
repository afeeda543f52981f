"""The checklist's suggested level and the calibration score, against tables of cases."""

import pytest

from scoring.levels import calibrate, suggest_level

ALL_YES = {"derived-number": True, "failure-mode-mitigation": True, "org-team-cost": True,
           "prompt-pushback": False}


def checklist(**changes):
    values = dict(ALL_YES)
    values.update({key.replace("_", "-"): value for key, value in changes.items()})
    return values


SUGGESTIONS = [
    # (rubric scores, checklist, expected altitude)
    ({"a": "staff", "b": "staff", "c": "senior"}, checklist(), "staff"),
    ({"a": "staff", "b": "senior"}, checklist(), "senior"),  # the lower middle of two
    ({"a": "principal"}, checklist(derived_number=False), "junior"),
    ({"a": "staff"}, checklist(failure_mode_mitigation=False), "senior"),
    ({"a": "principal"}, checklist(org_team_cost=False), "senior"),
    ({"a": "senior"}, checklist(failure_mode_mitigation=False), "senior"),  # a cap, not a cut
    ({"a": "senior"}, checklist(prompt_pushback=True), "staff"),
    ({"a": "principal"}, checklist(prompt_pushback=True), "principal"),  # nothing above
    ({"a": "staff"}, checklist(prompt_pushback=True, org_team_cost=False), "senior"),
    ({"a": "junior"}, checklist(prompt_pushback=True, derived_number=False), "junior"),
    ({"a": "junior"}, {**checklist(), "closest-column": "staff"}, "staff"),
    ({}, {**checklist(prompt_pushback=True), "closest-column": "senior"}, "staff"),
    ({}, checklist(), None),
]


@pytest.mark.parametrize(("rubric", "answers", "expected"), SUGGESTIONS)
def test_suggested_level_follows_the_checklist(rubric, answers, expected):
    assert suggest_level(rubric, answers).altitude == expected


def test_each_step_gives_its_reason():
    reasons = suggest_level({"a": "principal"}, checklist(org_team_cost=False)).reasons
    assert reasons == ["The rubric scores centre on principal.",
                       "With no cost to the organisation or team, senior at most."]


CALIBRATIONS = [
    # (level, rubric, reference level, reference rubric, score, level gap)
    ("senior", {"x": "senior", "y": "staff"}, "senior", {"x": "senior", "y": "staff"}, 100, 0),
    ("staff", {"x": "senior", "y": "staff"}, "senior", {"x": "senior", "y": "staff"}, 83, 1),
    ("junior", {"x": "junior", "y": "junior"}, "principal", {"x": "principal", "y": "principal"},
     0, -3),
    ("senior", {"x": "staff", "y": "junior"}, "senior", {"x": "senior", "y": "senior"}, 83, 0),
    ("senior", {}, "senior", {"x": "senior"}, 50, 0),  # an unscored dimension is the worst gap
]


@pytest.mark.parametrize(("level", "rubric", "ref_level", "ref_rubric", "score", "gap"),
                         CALIBRATIONS)
def test_calibration_score(level, rubric, ref_level, ref_rubric, score, gap):
    result = calibrate(level=level, rubric=rubric, reference_level=ref_level,
                       reference_rubric=ref_rubric)
    assert (result.score, result.level_gap) == (score, gap)


def test_calibration_bias_says_which_way():
    assert calibrate(level="staff", rubric={"x": "staff"}, reference_level="senior",
                     reference_rubric={"x": "senior"}).bias == 1
    assert calibrate(level="junior", rubric={"x": "senior"}, reference_level="senior",
                     reference_rubric={"x": "senior"}).bias == -0.5
