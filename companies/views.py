from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from companies import selectors, services
from companies.forms import AttemptForm, BankFilterForm
from companies.models import Company, Question, RoleTrack


def bank(request):
    form = BankFilterForm(request.GET or None)
    questions = Question.objects.none()
    if form.is_valid() or not request.GET:
        filters = form.cleaned_data if request.GET else {}
        questions = selectors.question_search(
            company=filters.get("company", ""), type=filters.get("type", ""),
            level=filters.get("level", ""), role_track=filters.get("role_track", ""),
            topic=filters.get("topic", ""), text=filters.get("q", ""),
        )
    context = {"form": form, "questions": questions}
    template = "companies/partials/question_list.html" if request.htmx else "companies/bank.html"
    return render(request, template, context, status=200 if not form.errors else 400)


def company_list(request):
    return render(request, "companies/company_list.html", {
        "companies": selectors.company_list(),
        "role_tracks": RoleTrack.objects.all(),
    })


def company_detail(request, slug: str):
    try:
        company = selectors.company_get(slug)
    except Company.DoesNotExist:
        raise Http404("No company with that name in the bank.") from None
    questions = selectors.question_search(company=slug)
    return render(request, "companies/company_detail.html",
                  {"company": company, "questions": questions})


def _question_or_404(slug: str) -> Question:
    try:
        return selectors.question_get(slug)
    except Question.DoesNotExist:
        raise Http404("No question with that slug in the bank.") from None


def _question_context(request, question: Question, form: AttemptForm | None = None) -> dict:
    user = request.user
    may_see_solution = selectors.user_may_see_solution(user, question)
    return {
        "question": question,
        "hints": selectors.hints_visible(user, question),
        "hints_left": len(question.hints) - len(selectors.hints_visible(user, question)),
        "may_see_solution": may_see_solution,
        "rubric": selectors.rubric_for(question) if may_see_solution else [],
        "attempts": (selectors.attempt_list_for_user(user).filter(question=question)
                     if user.is_authenticated else []),
        "form": form or AttemptForm(question=question),
    }


def question_detail(request, slug: str):
    question = _question_or_404(slug)
    progress = None
    if request.user.is_authenticated:
        progress = services.question_start(user=request.user, question=question)
    context = _question_context(request, question)
    context["started_at"] = progress.started_at if progress else None
    return render(request, "companies/question_detail.html", context)


@login_required
@require_POST
def reveal_hint(request, slug: str):
    question = _question_or_404(slug)
    error = ""
    try:
        services.hint_reveal(user=request.user, question=question)
    except services.BankInputError as exc:
        error = str(exc)
    context = _question_context(request, question)
    context["hint_error"] = error
    return render(request, "companies/partials/hints.html", context,
                  status=400 if error else 200)


@login_required
@require_POST
def submit_attempt(request, slug: str):
    question = _question_or_404(slug)
    form = AttemptForm(request.POST, question=question)
    if form.is_valid():
        try:
            services.attempt_create(user=request.user, question=question,
                                    text=form.cleaned_data["text"],
                                    numeric_answer=form.cleaned_data.get("numeric_answer"))
        except services.BankInputError as exc:
            form.add_error(exc.field_name if exc.field_name in form.fields else None, str(exc))
    status = 400 if form.errors else 200
    context = _question_context(request, question, form if form.errors else None)
    template = ("companies/partials/attempt_area.html" if request.htmx
                else "companies/question_detail.html")
    return render(request, template, context, status=status)


@login_required
def my_attempts(request):
    attempts = selectors.attempt_list_for_user(request.user)
    return render(request, "companies/my_attempts.html", {"attempts": attempts})


def role_track_detail(request, slug: str):
    track = get_object_or_404(RoleTrack, slug=slug)
    return render(request, "companies/role_track.html", {"track": track})
