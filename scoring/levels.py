"""Pure rules about altitudes: the suggested level and the calibration score.

No database here, so both rules are easy to read and to test against a table of cases.

Altitudes are the common scale of every ladder: junior < senior < staff < principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median_low

from companies.bank_schema import ALTITUDES

CHECKLIST_KEYS = ("derived-number", "failure-mode-mitigation", "org-team-cost",
                  "prompt-pushback")
CLOSEST_COLUMN = "closest-column"


def rank(altitude: str) -> int:
    return ALTITUDES.index(altitude)


def altitude_at(position: int) -> str:
    return ALTITUDES[max(0, min(position, len(ALTITUDES) - 1))]


@dataclass(frozen=True)
class Suggestion:
    altitude: str | None
    reasons: list[str] = field(default_factory=list)


def suggest_level(rubric: dict[str, str], checklist: dict[str, bool | str]) -> Suggestion:
    """The level the grading checklist suggests, with the reason for every step.

    1. Start from the rubric column the answer resembles most: the grader's
       `closest-column` answer when given, else the median of the rubric scores (the
       lower one of two middles, so a split rubric does not round up).
    2. A correct push-back on the prompt (`prompt-pushback`) raises it one level.
    3. Then the ceilings, which nothing lifts: no number derived from the constraints
       (`derived-number`) makes it junior; no failure mode named with its mitigation
       (`failure-mode-mitigation`) or no cost to the organisation or team
       (`org-team-cost`) caps it at senior.

    With neither a closest column nor any rubric score there is nothing to suggest.
    """
    reasons: list[str] = []
    closest = checklist.get(CLOSEST_COLUMN)
    if closest in ALTITUDES:
        position = rank(closest)
        reasons.append(f"The answer resembles the {closest} column most.")
    elif rubric:
        position = median_low(sorted(rank(a) for a in rubric.values()))
        reasons.append(f"The rubric scores centre on {altitude_at(position)}.")
    else:
        return Suggestion(None, ["Score the rubric to get a suggestion."])
    if checklist.get("prompt-pushback") and position < len(ALTITUDES) - 1:
        position += 1
        reasons.append(f"A correct push-back on the prompt raises it to "
                       f"{altitude_at(position)}.")
    if not checklist.get("derived-number"):
        if position > 0:
            reasons.append("No number derived from the constraints: junior, however "
                           "advanced the vocabulary.")
        position = 0
    for key, missing in (("failure-mode-mitigation", "no failure mode with a mitigation"),
                         ("org-team-cost", "no cost to the organisation or team")):
        if not checklist.get(key) and position > rank("senior"):
            position = rank("senior")
            reasons.append(f"With {missing}, senior at most.")
    return Suggestion(altitude_at(position), reasons)


@dataclass(frozen=True)
class Calibration:
    """How far one grade falls from a reference grade of the same answer."""

    level_gap: int  # signed: positive when the grade calls it higher than the reference
    rubric_gaps: dict[str, int]  # signed, per dimension the reference scored
    score: int  # 0-100, 100 when every call matches the reference

    @property
    def mean_rubric_gap(self) -> float:
        if not self.rubric_gaps:
            return 0.0
        return sum(abs(g) for g in self.rubric_gaps.values()) / len(self.rubric_gaps)

    @property
    def bias(self) -> float:
        """Signed mean of all the gaps: above zero grades high, below grades low."""
        gaps = [self.level_gap, *self.rubric_gaps.values()]
        return sum(gaps) / len(gaps)


MAX_GAP = len(ALTITUDES) - 1


def calibrate(*, level: str, rubric: dict[str, str], reference_level: str,
              reference_rubric: dict[str, str]) -> Calibration:
    """Compare a grade's level call and rubric scores with the reference's.

    The score weighs the level call and the rubric equally: each loses its share in
    proportion to the gap, measured in altitudes (three is the largest possible). A
    dimension the grade left out counts as the largest gap.
    """
    level_gap = rank(level) - rank(reference_level)
    rubric_gaps = {key: (rank(rubric[key]) - rank(expected)) if key in rubric else MAX_GAP
                   for key, expected in reference_rubric.items()}
    mean = (sum(abs(g) for g in rubric_gaps.values()) / len(rubric_gaps)) if rubric_gaps else 0
    loss = 0.5 * abs(level_gap) / MAX_GAP + 0.5 * mean / MAX_GAP
    return Calibration(level_gap, rubric_gaps, round(100 * (1 - loss)))
