"""The shape of the question bank's data files, checked without Django.

The bank lives in ``companies/bank/`` as YAML files that people review in pull
requests.  ``load_bank`` reads and checks all of them and returns plain dicts;
any problem raises ``BankError`` naming the file, the item and the field, so a
curator can fix the file without reading a stack trace.

Run ``python -m companies.bank_schema`` to check the files by hand.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser where PyYAML was built with it (its wheels are): the same safe loading,
# several times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

BANK_DIR = Path(__file__).resolve().parent / "bank"

ALTITUDES = ("junior", "senior", "staff", "principal")

ROLE_TRACKS = ("ml-engineer", "ml-systems-engineer", "applied-scientist", "research-engineer")

QUESTION_TYPES = ("design", "debug", "drill", "oncall", "concept", "coding", "behavioral")

DIFFICULTIES = ("easy", "medium", "hard")

# Each collection is one kind of item in the source documents, with the count the
# documents hold; the loader refuses a bank whose counts differ. The 14 company profiles
# give 15 signature prompts: Cursor / Replit gives one for each.
COLLECTIONS = {
    "company-signature": 15,
    "openai-mle": 10,
    "design-challenge": 4,
    "debug-war-room": 4,
    "capacity-drill": 8,
    "on-call": 6,
    "concept": 43,
    "case-study": 4,
    "mock-transcript": 3,
    "llm-production": 32,
    "rapid-fire": 4,
}

TOPICS = (
    "llm-serving",
    "kv-cache",
    "batching-scheduling",
    "inference-optimization",
    "retrieval-rag",
    "ranking-recsys",
    "training-infra",
    "distributed-training",
    "fine-tuning",
    "evaluation",
    "safety-moderation",
    "feature-store",
    "data-pipelines",
    "experimentation",
    "observability",
    "incident-response",
    "capacity-cost",
    "multi-tenancy",
    "rate-limiting",
    "deployment-release",
    "gpu-hardware",
    "agents-sandboxing",
    "security-privacy",
    "caching",
    "coding",
    "behavioral",
    "interview-method",
)

# The companies the documents profile, plus the generic "startup" profile of the
# last document; each has one file in bank/companies/.
COMPANY_SLUGS = (
    "openai", "anthropic", "google", "meta", "amazon", "microsoft", "netflix", "stripe",
    "databricks", "xai", "cohere", "mistral", "cursor-replit", "hugging-face", "startup",
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class BankError(ValueError):
    """A bank file that cannot be loaded, with where the problem is."""

    def __init__(self, path: Path | str, item: str, field_name: str, problem: str):
        self.path = str(path)
        self.item = item
        self.field_name = field_name
        self.problem = problem
        super().__init__(f"{Path(path).name}: item '{item}', field '{field_name}': {problem}")


@dataclass
class _Checker:
    path: Path
    item: str

    def fail(self, field_name: str, problem: str) -> None:
        raise BankError(self.path, self.item, field_name, problem)

    def text(self, data: dict, name: str, *, required: bool = True,
             max_length: int | None = None) -> str:
        value = data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, "is required and must be non-empty text")
            return ""
        if not isinstance(value, str):
            self.fail(name, f"must be text, got {type(value).__name__}")
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.fail(name, f"is {len(value)} characters long; at most {max_length} fit")
        return value

    def text_list(self, data: dict, name: str, *, required: bool = False) -> list[str]:
        value = data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required and must be a non-empty list of text")
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(name, "must be a list of non-empty text entries")
        if required and not value:
            self.fail(name, "must not be empty")
        return [v.strip() for v in value]

    def choices(self, data: dict, name: str, allowed: tuple[str, ...] | set[str], *,
                required: bool = True) -> list[str]:
        values = self.text_list(data, name, required=required)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            self.fail(name, f"unknown value(s) {unknown}; allowed: {sorted(allowed)}")
        if len(set(values)) != len(values):
            self.fail(name, "lists a value twice")
        return values

    def choice(self, data: dict, name: str, allowed: tuple[str, ...]) -> str:
        value = self.text(data, name)
        if value not in allowed:
            self.fail(name, f"'{value}' is not one of {list(allowed)}")
        return value

    def slug(self, data: dict, name: str = "slug") -> str:
        value = self.text(data, name)
        if not SLUG.match(value):
            self.fail(name, f"'{value}' must be lowercase words joined by hyphens")
        return value

    def number(self, data: dict, name: str, *, minimum: float, maximum: float,
               integer: bool = False) -> float:
        value = data.get(name)
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            self.fail(name, "must be a whole number" if integer else "must be a number")
        if not minimum <= value <= maximum:
            self.fail(name, f"must be between {minimum} and {maximum}, got {value}")
        return value

    def mapping(self, data: dict, name: str, *, required: bool = True) -> dict | None:
        value = data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        if not isinstance(value, dict):
            self.fail(name, "must be a mapping of keys to values")
        return value

    def only_keys(self, data: dict, allowed: set[str], where: str = "") -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            self.fail(where or extra[0], f"unknown key(s) {extra}; allowed: {sorted(allowed)}")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise BankError(path, where, "yaml", f"is not valid YAML: {exc}") from exc


# --- rubrics -------------------------------------------------------------------------


def _rubric_dimensions(check: _Checker, raw: Any, name: str, *,
                       every_altitude: bool) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        check.fail(name, "must be a non-empty list of dimensions")
    dimensions = []
    for index, dim in enumerate(raw):
        where = f"{name}[{index}]"
        if not isinstance(dim, dict):
            check.fail(where, "must be a mapping with 'name' and one descriptor per altitude")
        check.only_keys(dim, {"name", *ALTITUDES}, where)
        if not isinstance(dim.get("name"), str) or not dim["name"].strip():
            check.fail(f"{where}.name", "is required")
        cells = {}
        for altitude in ALTITUDES:
            value = dim.get(altitude)
            if value is None:
                if every_altitude:
                    check.fail(f"{where}.{altitude}", "is required in the generic rubric")
                continue
            if not isinstance(value, str) or not value.strip():
                check.fail(f"{where}.{altitude}", "must be non-empty text")
            cells[altitude] = value.strip()
        if len(cells) < 2:
            check.fail(where, "needs descriptors for at least two altitudes")
        dimensions.append({"name": dim["name"].strip(), "cells": cells})
    names = [d["name"] for d in dimensions]
    if len(set(names)) != len(names):
        check.fail(name, "names a dimension twice")
    return dimensions


# --- questions -----------------------------------------------------------------------

QUESTION_KEYS = {
    "slug", "type", "title", "companies", "role_tracks", "levels", "difficulty", "round",
    "timebox_minutes", "topics", "prompt", "constraints", "hints", "solution", "staff_plus",
    "red_flags", "follow_ups", "probes", "competencies", "rubric", "answer", "source_ref",
    "provenance", "corrections",
}

# Where an item, or one part of it, comes from: the source documents, or written for
# Mockloop (our worked answers, hints, illustrative numbers...).
PROVENANCE_SOURCES = ("documents", "mockloop")

# The parts an item's provenance speaks for, in the order a question page shows them, and
# the field each part lives in. `figures` are the numbers worked through in the solution
# (sizing, budgets, cost arithmetic), which may be ours where the rest is the documents'.
PROVENANCE_PARTS = {
    "prompt": "prompt",
    "hints": "hints",
    "solution": "solution",
    "figures": "solution",
    "staff_plus": "staff_plus",
    "red_flags": "red_flags",
    "follow_ups": "follow_ups",
    "probes": "probes",
    "competencies": "competencies",
    "rubric": "rubric",
}


def _question(path: Path, collection: str, raw: Any, index: int,
              company_slugs: set[str]) -> dict:
    label = raw.get("slug", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    check = _Checker(path, str(label))
    if not isinstance(raw, dict):
        check.fail("item", "must be a mapping")
    check.only_keys(raw, QUESTION_KEYS)
    question: dict[str, Any] = {"collection": collection}
    question["slug"] = check.slug(raw)
    question["type"] = check.choice(raw, "type", QUESTION_TYPES)
    question["title"] = check.text(raw, "title", max_length=200)
    question["companies"] = check.choices(raw, "companies", company_slugs, required=False)
    question["role_tracks"] = check.choices(raw, "role_tracks", ROLE_TRACKS)
    question["levels"] = check.choices(raw, "levels", ALTITUDES)
    question["difficulty"] = check.choice(raw, "difficulty", DIFFICULTIES)
    question["round"] = check.text(raw, "round", max_length=120)
    question["timebox_minutes"] = check.number(raw, "timebox_minutes", minimum=1, maximum=180,
                                               integer=True)
    question["topics"] = check.choices(raw, "topics", TOPICS)
    question["prompt"] = check.text(raw, "prompt")
    question["constraints"] = _constraints(check, raw.get("constraints"))
    question["hints"] = check.text_list(raw, "hints")
    question["solution"] = check.text(raw, "solution")
    question["staff_plus"] = check.text(raw, "staff_plus", required=False)
    question["red_flags"] = check.text_list(raw, "red_flags")
    question["follow_ups"] = check.text_list(raw, "follow_ups")
    question["probes"] = check.text_list(raw, "probes")
    question["competencies"] = check.text_list(raw, "competencies")
    question["source_ref"] = check.text(raw, "source_ref", max_length=400)
    question["rubric"] = (
        _rubric_dimensions(check, raw["rubric"], "rubric", every_altitude=False)
        if raw.get("rubric") is not None else []
    )
    question["answer"] = _answer(check, raw.get("answer"), question["type"])
    question["provenance"] = _provenance(check, raw.get("provenance"), question)
    question["corrections"] = _corrections(check, raw.get("corrections"))
    return question


def _provenance(check: _Checker, raw: Any, question: dict) -> dict:
    """{item, parts, note}: where the item comes from, and each of its parts. A part not
    named takes the item's source (the figures take the solution's); `parts` in the result
    names every part the item has."""
    if raw is None:
        check.fail("provenance", "is required: say whether the item comes from the documents "
                                 f"or was written for Mockloop ({' | '.join(PROVENANCE_SOURCES)})")
    if not isinstance(raw, dict):
        check.fail("provenance", "must be a mapping such as {item: documents, hints: mockloop}")
    check.only_keys(raw, {"item", "note", *PROVENANCE_PARTS}, "provenance")
    item = _provenance_source(check, raw, "item")
    parts = {}
    for part, field_name in PROVENANCE_PARTS.items():
        present = bool(question[field_name])
        if part in raw and not present:
            check.fail(f"provenance.{part}", f"the item has no {field_name}")
        if part in raw:
            parts[part] = _provenance_source(check, raw, part)
        elif present:
            parts[part] = parts["solution"] if part == "figures" else item
    note = _text_at(check, raw.get("note"), "provenance.note", max_length=400,
                    required=False)
    return {"item": item, "parts": parts, "note": note}


def _provenance_source(check: _Checker, raw: dict, key: str) -> str:
    value = raw.get(key)
    if value not in PROVENANCE_SOURCES:
        check.fail(f"provenance.{key}", f"'{value}' is not one of {list(PROVENANCE_SOURCES)}")
    return value


def _corrections(check: _Checker, raw: Any) -> list[dict]:
    """Where the documents are wrong: what they say, kept, and what is correct."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        check.fail("corrections", "must be a non-empty list of {source_says, correct}")
    corrections = []
    for index, entry in enumerate(raw):
        where = f"corrections[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"source_says", "correct"}:
            check.fail(where, "must have exactly the keys 'source_says' and 'correct'")
        corrections.append({
            "source_says": _text_at(check, entry["source_says"], f"{where}.source_says",
                                    max_length=300),
            "correct": _text_at(check, entry["correct"], f"{where}.correct", max_length=1200),
        })
    return corrections


def _text_at(check: _Checker, value: Any, where: str, *, max_length: int,
             required: bool = True) -> str:
    """Non-empty text at a nested place, such as corrections[0].correct."""
    if value is None or value == "":
        if required:
            check.fail(where, "is required and must be non-empty text")
        return ""
    if not isinstance(value, str) or not value.strip():
        check.fail(where, "must be non-empty text")
    value = value.strip()
    if len(value) > max_length:
        check.fail(where, f"is {len(value)} characters long; at most {max_length} fit")
    return value


def _constraints(check: _Checker, raw: Any) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.fail("constraints", "must be a list of {name, value} pairs")
    result = []
    for index, pair in enumerate(raw):
        where = f"constraints[{index}]"
        if not isinstance(pair, dict) or set(pair) != {"name", "value"}:
            check.fail(where, "must have exactly the keys 'name' and 'value'")
        if not all(isinstance(pair[k], str | int | float) and str(pair[k]).strip()
                   for k in ("name", "value")):
            check.fail(where, "name and value must be non-empty")
        result.append({"name": str(pair["name"]).strip(), "value": str(pair["value"]).strip()})
    return result


def _answer(check: _Checker, raw: Any, question_type: str) -> dict | None:
    """A drill's number and what counts as right: a relative tolerance around it, or an
    absolute range (min, max) where a tolerance would also pass nonsense such as 0."""
    if question_type != "drill":
        if raw is not None:
            check.fail("answer", "only capacity drills (type: drill) carry a numeric answer")
        return None
    if not isinstance(raw, dict):
        check.fail("answer", "a drill needs {value, unit} and tolerance_pct or min and max")
    check.only_keys(raw, {"value", "unit", "tolerance_pct", "min", "max"}, "answer")
    answer: dict[str, Any] = {
        "value": float(check.number(raw, "value", minimum=-1e18, maximum=1e18)),
        "unit": check.text(raw, "unit", max_length=60),
        "tolerance_pct": None, "min": None, "max": None,
    }
    has_range = "min" in raw or "max" in raw
    if has_range == ("tolerance_pct" in raw):
        check.fail("answer", "give either tolerance_pct or an absolute range (min and max)")
    if not has_range:
        answer["tolerance_pct"] = float(
            check.number(raw, "tolerance_pct", minimum=0.1, maximum=100))
        return answer
    answer["min"] = float(check.number(raw, "min", minimum=-1e18, maximum=1e18))
    answer["max"] = float(check.number(raw, "max", minimum=-1e18, maximum=1e18))
    if not answer["min"] <= answer["value"] <= answer["max"]:
        check.fail("answer", f"the range {answer['min']}..{answer['max']} must hold the "
                             f"answer {answer['value']}")
    return answer


def _question_file(path: Path, company_slugs: set[str]) -> list[dict]:
    data = _read_yaml(path)
    check = _Checker(path, "file")
    if not isinstance(data, dict):
        check.fail("file", "must be a mapping with 'collection', 'source' and 'questions'")
    check.only_keys(data, {"collection", "source", "questions"})
    collection = check.choice(data, "collection", tuple(COLLECTIONS))
    check.text(data, "source")
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        check.fail("questions", "must be a non-empty list")
    return [_question(path, collection, raw, i, company_slugs) for i, raw in enumerate(items)]


# --- companies and role tracks --------------------------------------------------------

COMPANY_KEYS = {
    "slug", "name", "generic", "roles", "role_tracks", "emphasis", "focus_areas", "ladder",
    "comp_notes", "signature_question", "level_delta",
}


def _company(path: Path) -> dict:
    raw = _read_yaml(path)
    check = _Checker(path, path.stem)
    if not isinstance(raw, dict):
        check.fail("file", "must be a mapping describing one company")
    check.only_keys(raw, COMPANY_KEYS)
    company: dict[str, Any] = {
        "slug": check.slug(raw),
        "name": check.text(raw, "name", max_length=120),
        "generic": bool(raw.get("generic", False)),
        "roles": check.text_list(raw, "roles"),
        "role_tracks": check.choices(raw, "role_tracks", ROLE_TRACKS),
        "emphasis": check.text_list(raw, "emphasis", required=True),
        "focus_areas": check.choices(raw, "focus_areas", TOPICS),
        "comp_notes": check.text(raw, "comp_notes", required=False),
        "signature_question": raw.get("signature_question") or "",
    }
    if company["slug"] != path.stem:
        check.fail("slug", f"must match the file name '{path.stem}'")
    company["ladder"] = _ladder(check, raw.get("ladder"), generic=company["generic"])
    company["level_delta"] = _level_delta(check, raw.get("level_delta"), company["ladder"])
    if not company["generic"]:
        for name in ("roles", "comp_notes", "signature_question"):
            if not company[name]:
                check.fail(name, "is required for a company profile")
    return company


def _ladder(check: _Checker, raw: Any, *, generic: bool) -> list[dict]:
    if raw is None and generic:
        return []
    if not isinstance(raw, list) or not raw:
        check.fail("ladder", "must list the company's levels, lowest first")
    ladder = []
    for index, level in enumerate(raw):
        where = f"ladder[{index}]"
        if not isinstance(level, dict):
            check.fail(where, "must be {name, altitude, note}")
        check.only_keys(level, {"name", "title", "altitude", "note", "ours", "reason"}, where)
        sub = _Checker(check.path, check.item)
        name = sub.text(level, "name", max_length=40)
        altitude = level.get("altitude")
        if altitude not in ALTITUDES:
            check.fail(f"{where}.altitude", f"'{altitude}' is not one of {list(ALTITUDES)}")
        ladder.append({"name": name, "altitude": altitude,
                       "title": sub.text(level, "title", required=False, max_length=60),
                       "note": sub.text(level, "note", required=False, max_length=200),
                       **_ours(check, level, where)})
    ranks = [ALTITUDES.index(level["altitude"]) for level in ladder]
    if ranks != sorted(ranks):
        check.fail("ladder", "levels must go from the lowest altitude to the highest")
    names = [level["name"] for level in ladder]
    if len(set(names)) != len(names):
        check.fail("ladder", "names a level twice")
    return ladder


def _ours(check: _Checker, level: dict, where: str) -> dict:
    """A rung the documents do not give is marked `ours: true` with the reason we added
    it; the company page shows it as added by Mockloop."""
    ours = level.get("ours", False)
    if not isinstance(ours, bool):
        check.fail(f"{where}.ours", "must be true or false")
    reason = _Checker(check.path, check.item).text(level, "reason", required=False,
                                                   max_length=200)
    if ours and not reason:
        check.fail(f"{where}.reason", "is required for a rung marked ours: why we added it")
    if reason and not ours:
        check.fail(f"{where}.reason", "only a rung marked ours: true carries a reason")
    return {"ours": ours, "reason": reason}


def _level_delta(check: _Checker, raw: Any, ladder: list[dict]) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        check.fail("level_delta", "must be {lower, upper, text}")
    check.only_keys(raw, {"lower", "upper", "text", "note"}, "level_delta")
    names = {level["name"] for level in ladder}
    delta = {k: check.text(raw, k) for k in ("lower", "upper", "text")}
    # The documents sometimes contrast two answers under labels that are not rungs of
    # the company's ladder (Netflix's SE and SSE); the note must then say so.
    delta["note"] = check.text(raw, "note", required=False)
    for k in ("lower", "upper"):
        if delta[k] not in names and not delta["note"]:
            check.fail(f"level_delta.{k}", f"'{delta[k]}' is not a level of the ladder; "
                                           "a note must say what the label stands for")
    return delta


def _role_tracks(path: Path) -> list[dict]:
    raw = _read_yaml(path)
    check = _Checker(path, "file")
    if not isinstance(raw, dict) or not isinstance(raw.get("role_tracks"), list):
        check.fail("role_tracks", "must be a list of role tracks")
    tracks = []
    for item in raw["role_tracks"]:
        check = _Checker(path, str(item.get("slug", "?")) if isinstance(item, dict) else "?")
        if not isinstance(item, dict):
            check.fail("item", "must be a mapping")
        check.only_keys(item, {"slug", "name", "summary", "loop", "design_focus"})
        tracks.append({
            "slug": check.choice(item, "slug", ROLE_TRACKS),
            "name": check.text(item, "name"),
            "summary": check.text(item, "summary"),
            "loop": check.text_list(item, "loop", required=True),
            "design_focus": check.text(item, "design_focus"),
        })
    if sorted(t["slug"] for t in tracks) != sorted(ROLE_TRACKS):
        _Checker(path, "file").fail("role_tracks", f"must describe exactly {list(ROLE_TRACKS)}")
    return tracks


# --- rubrics, grading checklist, self-grade questions, phase plan ---------------------


def _rubrics(path: Path) -> dict:
    raw = _read_yaml(path)
    check = _Checker(path, "generic")
    if not isinstance(raw, dict):
        check.fail("file", "must be a mapping")
    check.only_keys(raw, {"generic", "next_level", "checklist"})
    generic = _rubric_dimensions(check, raw.get("generic"), "generic", every_altitude=True)
    next_level = check.mapping(raw, "next_level")
    for altitude in ALTITUDES[:-1]:
        if not isinstance(next_level.get(altitude), str):
            check.fail(f"next_level.{altitude}", "must say what is missing to reach the next level")
    checklist = raw.get("checklist")
    if not isinstance(checklist, list) or len(checklist) != 5:
        check.fail("checklist", "must hold the five grading-checklist questions")
    items = []
    for entry in checklist:
        sub = _Checker(path, str(entry.get("key", "?")) if isinstance(entry, dict) else "?")
        if not isinstance(entry, dict):
            sub.fail("item", "must be a mapping")
        sub.only_keys(entry, {"key", "question", "if_missing"})
        items.append({"key": sub.slug(entry, "key"), "question": sub.text(entry, "question"),
                      "if_missing": sub.text(entry, "if_missing")})
    return {"generic": generic, "next_level": next_level, "checklist": items}


SELF_GRADE_KEYS = ("clarify", "quantify", "commit", "drill-deep", "cover-operations")


def _self_grade(path: Path) -> list[dict]:
    raw = _read_yaml(path)
    check = _Checker(path, "file")
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        check.fail("questions", "must list the five self-grade questions")
    questions = []
    for entry in raw["questions"]:
        sub = _Checker(path, str(entry.get("key", "?")) if isinstance(entry, dict) else "?")
        if not isinstance(entry, dict):
            sub.fail("item", "must be a mapping")
        sub.only_keys(entry, {"key", "question", "look_for"})
        questions.append({"key": sub.choice(entry, "key", SELF_GRADE_KEYS),
                          "question": sub.text(entry, "question"),
                          "look_for": sub.text(entry, "look_for")})
    if [q["key"] for q in questions] != list(SELF_GRADE_KEYS):
        check.fail("questions", f"must be, in order: {list(SELF_GRADE_KEYS)}")
    return questions


def _phases(path: Path) -> dict:
    """The phase plans of the room's timer. A plan that says it `follows` a documented
    timing table must give each phase of the table at least its documented minimum and
    at most its maximum, unless the plan lists the phase as `shortened` with a reason;
    a plan that shortens anything must say so in its `note`."""
    raw = _read_yaml(path)
    check = _Checker(path, "file")
    if not isinstance(raw, dict) or not isinstance(raw.get("plans"), list):
        check.fail("plans", "must list phase plans")
    check.only_keys(raw, {"timings", "plans"})
    timings = _timings(check, raw.get("timings") or {})
    plans = []
    for plan in raw["plans"]:
        sub = _Checker(path, str(plan.get("slug", "?")) if isinstance(plan, dict) else "?")
        if not isinstance(plan, dict):
            sub.fail("item", "must be a mapping")
        sub.only_keys(plan, {"slug", "name", "follows", "note", "shortened", "phases"})
        phases = []
        for index, phase in enumerate(plan.get("phases") or []):
            where = f"phases[{index}]"
            if not isinstance(phase, dict):
                sub.fail(where, "must be {key, name, minutes, goal}")
            sub.only_keys(phase, {"key", "name", "minutes", "goal"}, where)
            phases.append({
                "key": sub.slug(phase, "key"),
                "name": sub.text(phase, "name"),
                "minutes": sub.number(phase, "minutes", minimum=1, maximum=60, integer=True),
                "goal": sub.text(phase, "goal"),
            })
        if not phases:
            sub.fail("phases", "must not be empty")
        result = {"slug": sub.slug(plan), "name": sub.text(plan, "name"),
                  "note": sub.text(plan, "note", required=False), "phases": phases}
        follows = plan.get("follows")
        if follows is not None:
            if follows not in timings:
                sub.fail("follows", f"'{follows}' is not one of the timings {sorted(timings)}")
            result["follows"] = follows
            _check_plan_timing(sub, plan, phases, timings[follows])
        elif plan.get("shortened"):
            sub.fail("shortened", "only a plan that follows a documented timing shortens it")
        plans.append(result)
    return {"timings": timings, "plans": plans}


def _timings(check: _Checker, raw: Any) -> dict:
    """{name: {phase key: {min, max}}}: minute ranges the documents give per phase."""
    if not isinstance(raw, dict):
        check.fail("timings", "must map a timing's name to its phases' minute ranges")
    timings = {}
    for name, ranges in raw.items():
        if not isinstance(ranges, dict) or not ranges:
            check.fail(f"timings.{name}", "must map phase keys to {min, max}")
        timing = {}
        for key, bounds in ranges.items():
            where = f"timings.{name}.{key}"
            if not isinstance(bounds, dict) or set(bounds) != {"min", "max"}:
                check.fail(where, "must be {min, max} in minutes")
            sub = _Checker(check.path, where)
            low = sub.number(bounds, "min", minimum=1, maximum=60, integer=True)
            high = sub.number(bounds, "max", minimum=low, maximum=60, integer=True)
            timing[key] = {"min": low, "max": high}
        timings[name] = timing
    return timings


def _check_plan_timing(check: _Checker, plan: dict, phases: list[dict],
                       timing: dict) -> None:
    raw = plan.get("shortened") or []
    if not isinstance(raw, list):
        check.fail("shortened", "must list {phase, reason}")
    minutes = {phase["key"]: phase["minutes"] for phase in phases}
    reasons = {}
    for index, entry in enumerate(raw):
        where = f"shortened[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"phase", "reason"}:
            check.fail(where, "must be {phase, reason}")
        key = entry["phase"]
        if key not in timing or key not in minutes:
            check.fail(where, f"'{key}' is not a documented phase of this plan")
        if minutes[key] >= timing[key]["min"]:
            check.fail(where, f"'{key}' has {minutes[key]} minutes, not below its documented "
                              f"minimum of {timing[key]['min']}: it is not shortened")
        reasons[key] = _Checker(check.path, check.item).text(entry, "reason")
    for key, bounds in timing.items():
        if key not in minutes:
            check.fail("phases", f"lacks the documented phase '{key}'")
        if minutes[key] > bounds["max"]:
            check.fail("phases", f"'{key}' has {minutes[key]} minutes, above the documented "
                                 f"{bounds['min']}-{bounds['max']}")
        if minutes[key] < bounds["min"] and key not in reasons:
            check.fail("phases", f"'{key}' has {minutes[key]} minutes, below the documented "
                                 f"minimum of {bounds['min']}, and is not listed as shortened "
                                 "with a reason")
    if reasons and not plan.get("note"):
        check.fail("note", "must say which phases the plan shortens and why")
    for phase in phases:
        if phase["key"] in reasons:
            phase["shortened"] = {"documented_min": timing[phase["key"]]["min"],
                                  "reason": reasons[phase["key"]]}


# --- the whole bank -----------------------------------------------------------------


@dataclass
class Bank:
    companies: list[dict] = field(default_factory=list)
    role_tracks: list[dict] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)
    rubrics: dict = field(default_factory=dict)
    self_grade: list[dict] = field(default_factory=list)
    phases: dict = field(default_factory=dict)


def load_bank(bank_dir: Path = BANK_DIR, *, check_counts: bool = True) -> Bank:
    """Read and check every bank file; raise BankError on the first problem."""
    bank = Bank()
    company_files = sorted((bank_dir / "companies").glob("*.yaml"))
    bank.companies = [_company(p) for p in company_files]
    company_slugs = {c["slug"] for c in bank.companies}
    if company_slugs != set(COMPANY_SLUGS):
        raise BankError(bank_dir / "companies", "companies", "slug",
                        f"expected one file per company {sorted(COMPANY_SLUGS)}, "
                        f"found {sorted(company_slugs)}")
    bank.role_tracks = _role_tracks(bank_dir / "role_tracks.yaml")
    bank.rubrics = _rubrics(bank_dir / "rubrics.yaml")
    bank.self_grade = _self_grade(bank_dir / "self_grade.yaml")
    bank.phases = _phases(bank_dir / "phases.yaml")
    seen: dict[str, Path] = {}
    for path in sorted((bank_dir / "questions").glob("*.yaml")):
        for question in _question_file(path, company_slugs):
            if question["slug"] in seen:
                raise BankError(path, question["slug"], "slug",
                                f"is already used in {seen[question['slug']].name}")
            seen[question["slug"]] = path
            bank.questions.append(question)
    _check_signatures(bank, bank_dir)
    if check_counts:
        _check_counts(bank, bank_dir)
    return bank


def _check_signatures(bank: Bank, bank_dir: Path) -> None:
    by_slug = {q["slug"]: q for q in bank.questions}
    for company in bank.companies:
        slug = company["signature_question"]
        if not slug:
            continue
        question = by_slug.get(slug)
        if question is None or question["collection"] != "company-signature":
            raise BankError(bank_dir / "companies" / f"{company['slug']}.yaml", company["slug"],
                            "signature_question",
                            f"'{slug}' is not a question of the company-signature collection")


def _check_counts(bank: Bank, bank_dir: Path) -> None:
    for collection, expected in COLLECTIONS.items():
        found = sum(1 for q in bank.questions if q["collection"] == collection)
        if found != expected:
            raise BankError(bank_dir / "questions", collection, "collection",
                            f"holds {found} questions; the documents hold {expected}")


def check_file(path: Path) -> str:
    """Check one bank file on its own; return a one-line summary."""
    if path.parent.name == "questions":
        questions = _question_file(path, set(COMPANY_SLUGS))
        slugs = [q["slug"] for q in questions]
        duplicates = {s for s in slugs if slugs.count(s) > 1}
        if duplicates:
            raise BankError(path, sorted(duplicates)[0], "slug", "is used twice in this file")
        return f"{len(questions)} questions"
    if path.parent.name == "companies":
        return f"company {_company(path)['slug']}"
    readers = {"role_tracks.yaml": _role_tracks, "rubrics.yaml": _rubrics,
               "self_grade.yaml": _self_grade, "phases.yaml": _phases}
    if path.name not in readers:
        raise BankError(path, "file", "name", "is not a bank file")
    readers[path.name](path)
    return "ok"


def main(argv: list[str]) -> int:
    try:
        if argv:
            for name in argv:
                print(f"{name}: {check_file(Path(name).resolve())}")
            return 0
        bank = load_bank()
    except BankError as exc:
        print(f"bank error: {exc}")
        return 1
    except FileNotFoundError as exc:
        print(f"bank error: missing file {exc.filename}")
        return 1
    print(f"bank ok: {len(bank.companies)} companies, {len(bank.questions)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
