"""Concept questions are full items: hints, follow-ups, probes, a staff+ note, red flags."""

from __future__ import annotations

from collections import defaultdict

import pytest

from companies.bank_schema import BANK_DIR, COLLECTIONS, load_bank


@pytest.fixture(scope="module")
def concept_items() -> list[dict]:
    # The concept collection: the questions closing chapters 01, 02, 03 and 06 of the
    # practice arena. (A few rapid-fire and LLM-production items are also typed "concept";
    # they are short prompts of other collections and not held to this shape.)
    bank = load_bank(BANK_DIR, check_counts=False)
    return [q for q in bank.questions if q["collection"] == "concept"]


def test_the_bank_holds_every_concept_question(concept_items):
    assert len(concept_items) == COLLECTIONS["concept"]
    assert {q["type"] for q in concept_items} == {"concept"}


@pytest.mark.parametrize(("field", "least", "most"), [
    ("hints", 2, 3),
    ("follow_ups", 2, 3),
    ("probes", 2, 3),
    ("red_flags", 1, 3),
])
def test_every_concept_item_has_a_short_list_of(concept_items, field, least, most):
    wrong = {q["slug"]: len(q[field]) for q in concept_items
             if not least <= len(q[field]) <= most}
    assert not wrong, f"{field} should hold {least}-{most} entries: {wrong}"


def test_every_concept_item_says_what_a_staff_plus_answer_adds(concept_items):
    bare = [q["slug"] for q in concept_items if not q["staff_plus"].strip()]
    assert not bare


def test_no_two_concept_items_share_a_hint(concept_items):
    owners: dict[str, list[str]] = defaultdict(list)
    for question in concept_items:
        for hint in question["hints"]:
            owners[" ".join(hint.lower().split())].append(question["slug"])
    shared = {hint: slugs for hint, slugs in owners.items() if len(slugs) > 1}
    assert not shared


def test_hints_within_an_item_are_distinct_and_do_not_repeat_the_solution(concept_items):
    for question in concept_items:
        hints = [" ".join(h.lower().split()) for h in question["hints"]]
        assert len(set(hints)) == len(hints), question["slug"]
        solution = " ".join(question["solution"].lower().split())
        assert not any(hint in solution for hint in hints), question["slug"]
