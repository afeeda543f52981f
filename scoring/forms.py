"""The grade form: parses what the page posts into a `GradeInput`; the rules live in
`services.grade_check`, whose messages come back onto the matching fields."""

from __future__ import annotations

import re

from django import forms

from companies.models import ALTITUDE_CHOICES
from scoring import levels, services
from scoring.examples_loader import seconds_of
from scoring.models import Decision, Grade, Qualifier, SelfGradeAnswer
from scoring.subjects import Subject

MIN_EMPTY_BULLETS = 2
BULLET_KEY = re.compile(r"^(did_well|missing)-(\d+)-text$")


def _bullet_counts(data, grade: Grade | None) -> dict[str, int]:
    counts = dict.fromkeys(services.SECTIONS, 0)
    if data is not None:
        for key in data:
            match = BULLET_KEY.match(key)
            if match and int(match[2]) < services.MAX_BULLETS:
                counts[match[1]] = max(counts[match[1]], int(match[2]) + 1)
        return counts
    existing = dict.fromkeys(services.SECTIONS, 0)
    if grade is not None:
        for note in grade.bullets.all():
            existing[note.section] += 1
    return {section: existing[section] + MIN_EMPTY_BULLETS for section in services.SECTIONS}


class GradeForm(forms.Form):
    level = forms.CharField(required=False)
    qualifier = forms.CharField(required=False, widget=forms.Select(choices=Qualifier.choices))
    decision = forms.CharField(required=False,
                               widget=forms.RadioSelect(choices=Decision.choices))
    swing = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    closest_column = forms.CharField(required=False, widget=forms.Select(
        choices=[("", "Use the rubric scores"), *ALTITUDE_CHOICES]))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, subject: Subject, data=None, *, grade: Grade | None = None):
        self.subject = subject
        super().__init__(data, initial=self._initial(grade))
        self.fields["level"].widget = forms.Select(choices=[("", "Choose a level"), *[
            (name, f"{name} ({altitude})") for name, altitude in subject.ladder]])
        self.counts = _bullet_counts(data, grade)
        for section, count in self.counts.items():
            for index in range(count):
                self.fields[f"{section}-{index}-text"] = forms.CharField(
                    required=False, widget=forms.Textarea(attrs={"rows": 2}))
                self.fields[f"{section}-{index}-cites"] = forms.CharField(
                    required=False, widget=forms.TextInput(attrs={
                        "placeholder": "timestamps, e.g. 02:10 05:30", "data-cites": ""}))
        for dim in subject.dimensions:
            self.fields[f"rubric-{dim.key}"] = forms.CharField(
                required=False, label=dim.name, widget=forms.RadioSelect(choices=ALTITUDE_CHOICES))
        for question in subject.self_grade_questions:
            key = question["key"]
            self.fields[f"sg-{key}-answer"] = forms.CharField(
                required=False, widget=forms.RadioSelect(choices=SelfGradeAnswer.choices))
            self.fields[f"sg-{key}-note"] = forms.CharField(required=False)
        for key in levels.CHECKLIST_KEYS:
            self.fields[f"cl-{key}"] = forms.BooleanField(required=False)

    def _initial(self, grade: Grade | None) -> dict:
        if grade is None:
            return {}
        initial = {"level": grade.level, "qualifier": grade.qualifier,
                   "decision": grade.decision, "swing": grade.swing, "notes": grade.notes,
                   "closest_column": grade.checklist.get(levels.CLOSEST_COLUMN, "")}
        positions = dict.fromkeys(services.SECTIONS, 0)
        lines = self.subject.line_by_id()
        for note in grade.bullets.all():
            index = positions[note.section]
            positions[note.section] += 1
            initial[f"{note.section}-{index}-text"] = note.text
            initial[f"{note.section}-{index}-cites"] = " ".join(
                lines[c.segment_id or c.example_line_id].timestamp
                for c in note.citations.all() if (c.segment_id or c.example_line_id) in lines)
        for score in grade.scores.all():
            initial[f"rubric-{score.dimension}"] = score.altitude
        for key, entry in grade.self_grade.items():
            initial[f"sg-{key}-answer"] = entry.get("answer", "")
            initial[f"sg-{key}-note"] = entry.get("note", "")
        for key in levels.CHECKLIST_KEYS:
            initial[f"cl-{key}"] = bool(grade.checklist.get(key))
        return initial

    # --- parsing --------------------------------------------------------------------------

    def _cites(self, name: str) -> list[int]:
        by_second = self.subject.line_by_second()
        ids = []
        for token in re.split(r"[\s,;]+", self.cleaned_data.get(name, "").strip()):
            if not token:
                continue
            second = seconds_of(token)
            if second is None:
                self.add_error(name, f"'{token}' is not a timestamp like 02:10.")
            elif second not in by_second:
                self.add_error(name, f"No line starts at {token} in "
                                     f"{self.subject.transcript_name}.")
            else:
                ids.append(by_second[second].id)
        return ids

    def to_input(self) -> services.GradeInput | None:
        """The posted grade, or None when a citation could not be read (errors added)."""
        data = self.cleaned_data
        bullets = {}
        for section, count in self.counts.items():
            bullets[section] = []
            for index in range(count):
                text = data.get(f"{section}-{index}-text", "").strip()
                cites = self._cites(f"{section}-{index}-cites")
                if text or cites:
                    bullets[section].append(services.BulletInput(text, cites))
        if self.errors:
            return None
        checklist = {key: data.get(f"cl-{key}", False) for key in levels.CHECKLIST_KEYS}
        if data.get("closest_column"):
            checklist[levels.CLOSEST_COLUMN] = data["closest_column"]
        return services.GradeInput(
            did_well=bullets["did_well"], missing=bullets["missing"], level=data["level"],
            qualifier=data["qualifier"], decision=data["decision"], swing=data["swing"],
            rubric={d.key: data[f"rubric-{d.key}"] for d in self.subject.dimensions
                    if data.get(f"rubric-{d.key}")},
            self_grade={q["key"]: {"answer": data.get(f"sg-{q['key']}-answer", ""),
                                   "note": data.get(f"sg-{q['key']}-note", "")}
                        for q in self.subject.self_grade_questions},
            checklist=checklist, notes=data["notes"])

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each message of `GradeInvalid` on the field it concerns."""
        for name, messages in errors.items():
            field_name = self._field_for(name)
            for message in messages:
                self.add_error(field_name, message)

    def _field_for(self, name: str) -> str | None:
        match = re.match(r"^(did_well|missing)\[(\d+)\](\.cites)?$", name)
        if match:
            # Bullets were compacted (blank rows dropped); map back to the posted rows.
            section, index = match[1], int(match[2])
            rows = [i for i in range(self.counts[section])
                    if self.cleaned_data.get(f"{section}-{i}-text", "").strip()
                    or self.cleaned_data.get(f"{section}-{i}-cites", "").strip()]
            row = rows[index] if index < len(rows) else 0
            return f"{section}-{row}-{'cites' if match[3] else 'text'}"
        head, _, key = name.partition(".")
        candidates = {"rubric": f"rubric-{key}", "self_grade": f"sg-{key}-answer",
                      "checklist": f"cl-{key}"}
        field_name = candidates.get(head, head)
        if head in ("did_well", "missing"):
            field_name = f"{head}-0-text"
        return field_name if field_name in self.fields else None

    # --- rendering helpers ----------------------------------------------------------------

    def bullet_rows(self, section: str):
        return [(self[f"{section}-{i}-text"], self[f"{section}-{i}-cites"])
                for i in range(self.counts[section])]

    def did_well_rows(self):
        return self.bullet_rows("did_well")

    def missing_rows(self):
        return self.bullet_rows("missing")

    def rubric_rows(self):
        rows = []
        for dim in self.subject.dimensions:
            field = self[f"rubric-{dim.key}"]
            chosen = field.value() or ""
            rows.append((dim, field, dim.descriptor(chosen) if chosen else ""))
        return rows

    def self_grade_rows(self):
        return [(q, self[f"sg-{q['key']}-answer"], self[f"sg-{q['key']}-note"])
                for q in self.subject.self_grade_questions]

    def checklist_rows(self):
        items = {item["key"]: item for item in self.subject.checklist_items}
        return [(items.get(key, {"question": key}), self[f"cl-{key}"])
                for key in levels.CHECKLIST_KEYS]


def suggestion_from_post(post) -> levels.Suggestion:
    """The checklist's suggestion for a form being filled (for the live hint)."""
    rubric = {key.removeprefix("rubric-"): value for key, value in post.items()
              if key.startswith("rubric-") and value in dict(ALTITUDE_CHOICES)}
    checklist = {key: post.get(f"cl-{key}") == "on" for key in levels.CHECKLIST_KEYS}
    if post.get("closest_column") in dict(ALTITUDE_CHOICES):
        checklist[levels.CLOSEST_COLUMN] = post["closest_column"]
    return levels.suggest_level(rubric, checklist)
