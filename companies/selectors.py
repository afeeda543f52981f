"""Reads of the bank, including the attempt-first rule for solutions."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from companies.models import (
    Attempt,
    BankDocument,
    Company,
    CompanyLevel,
    Question,
    QuestionProgress,
    as_tags,
)


def company_list() -> QuerySet[Company]:
    return Company.objects.prefetch_related(
        Prefetch("levels", queryset=CompanyLevel.objects.order_by("rank"))
    ).select_related("signature_question")


def company_get(slug: str) -> Company:
    return company_list().prefetch_related("role_tracks").get(slug=slug)


def question_search(*, company: str = "", type: str = "", level: str = "",
                    role_track: str = "", topic: str = "", text: str = "") -> QuerySet[Question]:
    """Questions matching every given filter; text uses full-text search on PostgreSQL."""
    questions = Question.objects.all()
    if company:
        questions = questions.filter(companies__slug=company)
    if type:
        questions = questions.filter(type=type)
    if level:
        questions = questions.filter(level_tags__contains=as_tags([level]))
    if role_track:
        questions = questions.filter(role_tracks__slug=role_track)
    if topic:
        questions = questions.filter(topic_tags__contains=as_tags([topic]))
    if text:
        questions = _text_search(questions, text)
    return questions.prefetch_related("companies").distinct()


def _text_search(questions: QuerySet[Question], text: str) -> QuerySet[Question]:
    # Only what a user may read before attempting: never the solution.
    if settings.USES_POSTGRES:
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("title", weight="A") + SearchVector("prompt", weight="B") + \
            SearchVector("topic_tags", "round", weight="C")
        query = SearchQuery(text, search_type="websearch", config="english")
        return (questions.annotate(rank=SearchRank(vector, query))
                .filter(rank__gt=0).order_by("-rank", "title"))
    condition = Q()
    for word in text.split():
        condition &= Q(title__icontains=word) | Q(prompt__icontains=word) | \
            Q(topic_tags__icontains=word)
    return questions.filter(condition)


def question_get(slug: str) -> Question:
    return Question.objects.prefetch_related("companies__levels", "role_tracks").get(slug=slug)


def user_may_see_solution(user, question: Question) -> bool:
    """The attempt-first rule: a solution shows only after the user saved an attempt."""
    if not user.is_authenticated:
        return False
    return Attempt.objects.filter(user=user, question=question).exists()


def hints_visible(user, question: Question) -> list[str]:
    """The hints this user has revealed so far, in order (all of them after an attempt)."""
    if not user.is_authenticated:
        return []
    if user_may_see_solution(user, question):
        return list(question.hints)
    progress = QuestionProgress.objects.filter(user=user, question=question).first()
    return list(question.hints[: progress.hints_revealed]) if progress else []


def attempt_list_for_user(user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user).select_related("question")


def bank_document(key: str) -> dict | list:
    document = BankDocument.objects.filter(key=key).first()
    return document.data if document else {}


def generic_rubric() -> list[dict]:
    return bank_document("rubrics").get("generic", [])


def rubric_for(question: Question) -> list[dict]:
    """The question's own rubric dimensions, or the generic four-altitude rubric."""
    return question.rubric or generic_rubric()
