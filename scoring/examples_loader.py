"""Load the example reports (`scoring/examples/*.yaml`): transcripts with reference notes.

The file format is described in docs/content.md. Files are read and checked
first, then written in one transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from companies.bank_schema import ALTITUDES, SAFE_LOADER
from companies.models import Company, Question
from scoring import services
from scoring.models import Example, ExampleLine

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
ROLES = ("interviewer", "candidate")
KEYS = {"slug", "title", "company", "question", "prompt", "candidate_target", "transcript",
        "reference"}


class ExampleError(ValueError):
    pass


def seconds_of(stamp: str) -> int | None:
    match = TIMESTAMP.match(str(stamp).strip())
    if not match:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    if seconds >= 60:
        return None
    return hours * 3600 + minutes * 60 + seconds


@dataclass
class ParsedExample:
    path: Path
    raw: dict
    lines: list[tuple[int, str, str]]  # (seconds, role, text)


def _fail(path: Path, where: str, message: str):
    raise ExampleError(f"{path.name}: {where}: {message}")


def parse_file(path: Path) -> ParsedExample:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ExampleError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        _fail(path, "file", "must be a mapping")
    unknown = set(raw) - KEYS
    if unknown:
        _fail(path, ", ".join(sorted(unknown)), "unknown key")
    for key in ("slug", "title", "company", "prompt", "candidate_target"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _fail(path, key, "is required text")
    if raw["candidate_target"] not in ALTITUDES:
        _fail(path, "candidate_target", f"must be one of {', '.join(ALTITUDES)}")
    if not isinstance(raw.get("transcript"), list) or not raw["transcript"]:
        _fail(path, "transcript", "must be a non-empty list of lines")
    lines = []
    previous = -1
    for index, entry in enumerate(raw["transcript"]):
        where = f"transcript[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"at", "role", "text"}:
            _fail(path, where, "must be {at, role, text}")
        seconds = seconds_of(entry.get("at", ""))
        if seconds is None:
            _fail(path, f"{where}.at", f"'{entry.get('at')}' is not mm:ss")
        if seconds < previous:
            _fail(path, f"{where}.at", "lines must be in time order")
        if entry.get("role") not in ROLES:
            _fail(path, f"{where}.role", "must be interviewer or candidate")
        if not isinstance(entry.get("text"), str) or not entry["text"].strip():
            _fail(path, f"{where}.text", "is required")
        previous = seconds
        lines.append((seconds, entry["role"], entry["text"].strip()))
    if not isinstance(raw.get("reference"), dict):
        _fail(path, "reference", "is required: the reference interviewer notes")
    return ParsedExample(path, raw, lines)


def _reference_input(parsed: ParsedExample, line_ids: dict[int, int]) -> services.GradeInput:
    path, ref = parsed.path, parsed.raw["reference"]
    unknown = set(ref) - {"did_well", "missing", "verdict", "rubric", "self_grade", "checklist",
                          "notes"}
    if unknown:
        _fail(path, "reference." + ", ".join(sorted(unknown)), "unknown key")
    bullets = {}
    for section in services.SECTIONS:
        items = ref.get(section) or []
        if not isinstance(items, list):
            _fail(path, f"reference.{section}", "must be a list of {text, cites}")
        bullets[section] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                _fail(path, f"reference.{section}[{index}]", "must be {text, cites}")
            cites = []
            for stamp in item.get("cites") or []:
                seconds = seconds_of(stamp)
                if seconds not in line_ids:
                    _fail(path, f"reference.{section}[{index}].cites",
                          f"no transcript line starts at '{stamp}'")
                cites.append(line_ids[seconds])
            bullets[section].append(services.BulletInput(item["text"], cites))
    verdict = ref.get("verdict")
    if not isinstance(verdict, dict):
        _fail(path, "reference.verdict", "must be {level, decision, swing}")
    self_grade = {}
    for key, entry in (ref.get("self_grade") or {}).items():
        entry = dict(entry) if isinstance(entry, dict) else {}
        if isinstance(entry.get("answer"), bool):  # YAML reads a bare yes/no as a boolean
            entry["answer"] = "yes" if entry["answer"] else "no"
        self_grade[key] = entry
    return services.GradeInput(
        did_well=bullets["did_well"], missing=bullets["missing"],
        level=str(verdict.get("level", "")), qualifier=str(verdict.get("qualifier") or ""),
        decision=str(verdict.get("decision", "")), swing=str(verdict.get("swing", "")),
        rubric=dict(ref.get("rubric") or {}), self_grade=self_grade,
        checklist=dict(ref.get("checklist") or {}), notes=str(ref.get("notes") or ""))


def _write(parsed: ParsedExample) -> Example:
    raw, path = parsed.raw, parsed.path
    company = Company.objects.filter(slug=raw["company"]).first()
    if company is None:
        _fail(path, "company", f"no company '{raw['company']}' in the bank")
    question = None
    if raw.get("question"):
        question = Question.objects.filter(slug=raw["question"]).first()
        if question is None:
            _fail(path, "question", f"no question '{raw['question']}' in the bank")
    example, _ = Example.objects.update_or_create(slug=raw["slug"], defaults={
        "title": raw["title"].strip(), "company": company, "question": question,
        "prompt": raw["prompt"].strip(), "candidate_target": raw["candidate_target"]})
    existing = {line.position: line for line in example.lines.all()}
    line_ids: dict[int, int] = {}
    for position, (seconds, role, text) in enumerate(parsed.lines):
        line = existing.get(position) or ExampleLine(example=example, position=position)
        line.start_seconds, line.role, line.text = seconds, role, text
        line.save()
        line_ids.setdefault(seconds, line.pk)
    example.lines.filter(position__gte=len(parsed.lines)).delete()
    try:
        services.reference_write(example=example, data=_reference_input(parsed, line_ids))
    except services.GradeInvalid as exc:
        field_name, messages = next(iter(exc.errors.items()))
        _fail(path, f"reference.{field_name}", " ".join(messages))
    return example


def examples_load(directory: Path = EXAMPLES_DIR) -> list[Example]:
    """Check every `*.yaml` file of the directory, then upsert them by slug together."""
    if not directory.is_dir():
        raise ExampleError(f"{directory} is not a directory")
    parsed = [parse_file(path) for path in sorted(directory.glob("*.yaml"))]
    slugs = [p.raw["slug"] for p in parsed]
    if len(set(slugs)) != len(slugs):
        raise ExampleError("two example files share a slug")
    with transaction.atomic():
        return [_write(p) for p in parsed]
