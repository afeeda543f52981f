"""The room's phase plans follow the documents' RESHAPE timing, or say where they cannot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from companies.bank_schema import BANK_DIR, BankError, _phases
from companies.models import BankDocument, Question

# The RESHAPE timing of document 003, in minutes (Q&A is given as a single five).
DOCUMENTED = {"requirements": (5, 7), "estimation": (3, 5), "high-level-design": (10, 12),
              "ml-deep-dive": (15, 20), "api-storage": (5, 7), "production": (5, 10),
              "qa": (5, 5)}


def plans() -> dict[str, dict]:
    return {plan["slug"]: plan for plan in _phases(BANK_DIR / "phases.yaml")["plans"]}


def test_the_file_states_the_documents_timing():
    timing = _phases(BANK_DIR / "phases.yaml")["timings"]["reshape"]
    assert {key: (r["min"], r["max"]) for key, r in timing.items()} == DOCUMENTED
    assert sum(low for low, _ in DOCUMENTED.values()) == 48


def test_the_60_minute_plan_meets_every_documented_minimum():
    plan = plans()["reshape-60"]
    minutes = {phase["key"]: phase["minutes"] for phase in plan["phases"]}
    assert sum(minutes.values()) == 60
    for key, (low, high) in DOCUMENTED.items():
        assert low <= minutes[key] <= high, key
    assert not any(phase.get("shortened") for phase in plan["phases"])


def test_the_45_minute_plan_names_what_it_shortens_and_why():
    plan = plans()["reshape-45"]
    minutes = {phase["key"]: phase["minutes"] for phase in plan["phases"]}
    assert sum(minutes.values()) == 45
    assert minutes["ml-deep-dive"] >= 15 and minutes["production"] >= 5
    shortened = {phase["key"]: phase["shortened"] for phase in plan["phases"]
                 if phase.get("shortened")}
    below = {key for key, (low, _) in DOCUMENTED.items() if minutes[key] < low}
    assert set(shortened) == below == {"api-storage", "qa"}
    assert all(entry["reason"] and entry["documented_min"] == 5
               for entry in shortened.values())
    assert "48" in plan["note"]


@pytest.fixture
def phases_copy(tmp_path: Path) -> Path:
    target = tmp_path / "phases.yaml"
    shutil.copy(BANK_DIR / "phases.yaml", target)
    return target


def _edit_plan(path: Path, slug: str, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(next(plan for plan in data["plans"] if plan["slug"] == slug))
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _set_minutes(plan: dict, key: str, minutes: int) -> None:
    next(phase for phase in plan["phases"] if phase["key"] == key)["minutes"] = minutes


@pytest.mark.parametrize("slug, change, message", [
    ("reshape-60", lambda plan: _set_minutes(plan, "ml-deep-dive", 13),
     "'ml-deep-dive' has 13 minutes, below the documented minimum of 15"),
    ("reshape-60", lambda plan: _set_minutes(plan, "production", 11),
     "'production' has 11 minutes, above the documented 5-10"),
    ("reshape-45", lambda plan: plan["shortened"].pop(),
     "'qa' has 2 minutes, below the documented minimum of 5, and is not listed"),
    ("reshape-45", lambda plan: plan["shortened"].append(
        {"phase": "ml-deep-dive", "reason": "To save time."}),
     "'ml-deep-dive' has 15 minutes, not below its documented minimum"),
    ("reshape-45", lambda plan: plan["shortened"][0].update(reason=""), "reason"),
    ("reshape-45", lambda plan: plan.pop("note"), "must say which phases"),
    ("reshape-45", lambda plan: plan.update(follows="nowhere"), "is not one of the timings"),
    ("reshape-60", lambda plan: plan.update(
        phases=[p for p in plan["phases"] if p["key"] != "production"]),
     "lacks the documented phase 'production'"),
])
def test_the_schema_refuses_a_plan_that_breaks_the_rule(phases_copy, slug, change, message):
    _edit_plan(phases_copy, slug, change)
    with pytest.raises(BankError) as error:
        _phases(phases_copy)
    assert message in str(error.value) and slug in str(error.value)


def test_the_room_gets_the_reason_for_each_shortened_phase(bank):
    notes = {plan["slug"]: plan for plan in BankDocument.phase_plan_notes()}
    short = {phase["key"]: phase["shortened"] for phase in notes["reshape-45"]["phases"]}
    assert short["api-storage"] and short["qa"] and not short["ml-deep-dive"]
    assert not any(phase["shortened"] for phase in notes["reshape-60"]["phases"])
    assert Question.objects.first().phase_plan_notes == BankDocument.phase_plan_notes()


@pytest.fixture
def design_session(bank, candidate, peer):
    """A booked mock whose first round runs a 45-minute design question."""
    from config.celery import app
    from interviews import services
    from tests.interviews.conftest import next_monday_utc, post_request, window

    app.conf.task_always_eager = True
    try:
        post_request(candidate, [window(next_monday_utc(), 2)])
        post_request(peer, [window(next_monday_utc(), 2)])
        (session,) = services.match_open_requests()
    finally:
        app.conf.task_always_eager = False
    round_ = session.rounds.get(number=1)
    round_.question = Question.objects.filter(type="design", timebox_minutes__gte=40).first()
    round_.minutes = 45
    round_.save(update_fields=["question", "minutes"])
    return session


def test_the_room_timer_shows_why_a_phase_is_short(client, design_session, peer):
    from interviews.room import phases_for

    round_ = design_session.rounds.get(number=1)
    served = [(p["key"], p["minutes"]) for p in phases_for(round_)]
    plan = next(plan for plan in BankDocument.phase_plan_notes()
                if [(p["key"], p["minutes"]) for p in plan["phases"]] == served)
    assert plan["slug"] == "reshape-45"
    client.force_login(round_.interviewer)
    page = client.get(f"/mocks/session/{design_session.pk}/room/").content.decode()
    assert 'id="phase-plans"' in page and "data-phase-note" in page
    reason = next(p["shortened"] for p in plan["phases"] if p["key"] == "api-storage")
    assert reason in page
