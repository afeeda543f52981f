"""Flows that write the bank and record a user's work on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from companies.bank_schema import BANK_DIR, Bank, load_bank
from companies.models import (
    Attempt,
    BankDocument,
    Company,
    CompanyLevel,
    Question,
    QuestionProgress,
    RoleTrack,
)


class BankInputError(ValueError):
    """A user's input on the bank (an attempt, a hint request) that cannot be taken."""

    def __init__(self, field_name: str, message: str):
        self.field_name = field_name
        super().__init__(message)


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        parts = [f"{k}: {self.created.get(k, 0)} new, {self.updated.get(k, 0)} updated"
                 for k in kinds]
        return "; ".join(parts)


def bank_load(*, bank_dir: Path = BANK_DIR) -> LoadReport:
    """Check every bank file, then upsert companies, tracks and questions by slug.

    Nothing is written unless every file is valid (BankError names the file, the
    item and the field); the writes happen in one transaction.
    """
    bank = load_bank(bank_dir)
    report = LoadReport()
    with transaction.atomic():
        tracks = _upsert_role_tracks(bank, report)
        companies = _upsert_companies(bank, tracks, report)
        questions = _upsert_questions(bank, companies, tracks, report)
        _link_signature_questions(bank, companies, questions)
        for key, data in (("rubrics", bank.rubrics), ("self-grade", bank.self_grade),
                          ("phases", bank.phases)):
            _, created = BankDocument.objects.update_or_create(key=key, defaults={"data": data})
            report.count("documents", created)
    return report


def _upsert_role_tracks(bank: Bank, report: LoadReport) -> dict[str, RoleTrack]:
    tracks = {}
    for item in bank.role_tracks:
        track, created = RoleTrack.objects.update_or_create(
            slug=item["slug"],
            defaults={k: item[k] for k in ("name", "summary", "loop", "design_focus")},
        )
        tracks[track.slug] = track
        report.count("role tracks", created)
    return tracks


def _upsert_companies(bank: Bank, tracks: dict[str, RoleTrack],
                      report: LoadReport) -> dict[str, Company]:
    companies = {}
    for item in bank.companies:
        delta = item["level_delta"] or {"lower": "", "upper": "", "text": "", "note": ""}
        company, created = Company.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "generic": item["generic"],
                "roles": item["roles"],
                "emphasis": item["emphasis"],
                "focus_areas": item["focus_areas"],
                "comp_notes": item["comp_notes"],
                "delta_lower": delta["lower"],
                "delta_upper": delta["upper"],
                "delta_text": delta["text"],
                "delta_note": delta["note"],
            },
        )
        company.role_tracks.set([tracks[s] for s in item["role_tracks"]])
        _replace_ladder(company, item["ladder"])
        companies[company.slug] = company
        report.count("companies", created)
    return companies


def _replace_ladder(company: Company, ladder: list[dict]) -> None:
    company.levels.all().delete()
    CompanyLevel.objects.bulk_create(
        CompanyLevel(company=company, name=level["name"], title=level["title"],
                     altitude=level["altitude"], rank=rank, note=level["note"],
                     ours=level["ours"], ours_reason=level["reason"])
        for rank, level in enumerate(ladder)
    )


QUESTION_FIELDS = (
    "collection", "type", "title", "levels", "difficulty", "round", "timebox_minutes",
    "topics", "prompt", "constraints", "hints", "solution", "staff_plus", "red_flags",
    "follow_ups", "probes", "competencies", "rubric", "source_ref", "provenance", "corrections",
)


def _upsert_questions(bank: Bank, companies: dict[str, Company], tracks: dict[str, RoleTrack],
                      report: LoadReport) -> dict[str, Question]:
    """One insert-or-update for every question, then their links, in bulk: the suite
    loads the bank for hundreds of tests."""
    existing = set(Question.objects.values_list("slug", flat=True))
    rows = []
    for item in bank.questions:
        answer = item["answer"] or {}
        question = Question(slug=item["slug"], **{name: item[name] for name in QUESTION_FIELDS},
                            answer_value=answer.get("value"),
                            answer_unit=answer.get("unit", ""),
                            answer_tolerance_pct=answer.get("tolerance_pct"),
                            answer_min=answer.get("min"), answer_max=answer.get("max"))
        question.refresh_tags()
        rows.append(question)
        report.count("questions", item["slug"] not in existing)
    Question.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["slug"],
        update_fields=[*QUESTION_FIELDS, "answer_value", "answer_unit", "answer_tolerance_pct",
                       "answer_min", "answer_max", "level_tags", "topic_tags", "updated_at"])
    questions = Question.objects.in_bulk([row.slug for row in rows], field_name="slug")
    _replace_links(Question.companies.through, "company_id", {
        questions[item["slug"]].pk: [companies[s].pk for s in item["companies"]]
        for item in bank.questions})
    _replace_links(Question.role_tracks.through, "roletrack_id", {
        questions[item["slug"]].pk: [tracks[s].pk for s in item["role_tracks"]]
        for item in bank.questions})
    return questions


def _replace_links(through, target: str, links: dict[int, list[int]]) -> None:
    """Set each question's many-to-many links to exactly `links[question_id]`."""
    through.objects.filter(question_id__in=links).delete()
    through.objects.bulk_create(through(question_id=question_id, **{target: target_id})
                                for question_id, targets in links.items()
                                for target_id in targets)


def _link_signature_questions(bank: Bank, companies: dict[str, Company],
                              questions: dict[str, Question]) -> None:
    for item in bank.companies:
        company = companies[item["slug"]]
        company.signature_question = questions.get(item["signature_question"])
        company.save(update_fields=["signature_question"])


# --- a user's work on a question ----------------------------------------------------


def question_start(*, user, question: Question) -> QuestionProgress:
    """Record that the user opened the question (the timebox counts from here)."""
    progress, _ = QuestionProgress.objects.get_or_create(user=user, question=question)
    return progress


def hint_reveal(*, user, question: Question) -> QuestionProgress:
    """Reveal the next hint, in order; refuses when every hint is out already."""
    with transaction.atomic():
        progress, _ = QuestionProgress.objects.select_for_update().get_or_create(
            user=user, question=question
        )
        if progress.hints_revealed >= len(question.hints):
            raise BankInputError("hint", "Every hint of this question is already shown.")
        progress.hints_revealed += 1
        progress.save(update_fields=["hints_revealed"])
    return progress


def attempt_create(*, user, question: Question, text: str,
                   numeric_answer: float | None = None) -> Attempt:
    """Save a written attempt; a drill's number is checked against its tolerance."""
    text = (text or "").strip()
    if len(text) < 20:
        raise BankInputError("text", "Write at least 20 characters of your answer before "
                                     "you look at the solution.")
    if len(text) > Attempt.MAX_TEXT:
        raise BankInputError("text", f"An attempt holds at most {Attempt.MAX_TEXT} characters.")
    if question.is_drill and numeric_answer is None:
        raise BankInputError("numeric_answer",
                             f"Give your final number in {question.answer_unit}.")
    if not question.is_drill and numeric_answer is not None:
        raise BankInputError("numeric_answer", "Only capacity drills take a numeric answer.")
    progress = QuestionProgress.objects.filter(user=user, question=question).first()
    seconds = None
    if progress is not None:
        seconds = int((timezone.now() - progress.started_at).total_seconds())
    return Attempt.objects.create(
        user=user,
        question=question,
        text=text,
        numeric_answer=numeric_answer,
        numeric_correct=(question.check_numeric_answer(numeric_answer)
                         if numeric_answer is not None else None),
        hints_used=progress.hints_revealed if progress else 0,
        seconds_spent=seconds,
    )
