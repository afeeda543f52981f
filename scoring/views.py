from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coaching.selectors import coach_comments_for
from companies.bank_schema import ALTITUDES
from interviews.access import round_for
from interviews.models import InterviewerNotes
from scoring import exports, levels, report, selectors, services
from scoring.forms import GradeForm, suggestion_from_post
from scoring.models import Grade
from scoring.subjects import Subject, subject_for_example, subject_for_round


def _report_page(request, built: report.Report, **context):
    return render(request, "scoring/report.html", {"report": built, **context})


def _export(built: report.Report, fmt: str, filename: str) -> HttpResponse:
    if fmt == "md":
        response = HttpResponse(exports.report_markdown(built),
                                content_type="text/markdown; charset=utf-8")
    else:
        response = HttpResponse(exports.report_pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# --- rounds -------------------------------------------------------------------------------


@login_required
def round_report(request, round_id: int):
    """The graded session report: the question, both grades as far as this viewer may
    see them, the comparison, and the transcript."""
    round_, access = round_for(request.user, round_id, may="report")
    built = report.round_report(access)
    own = next((g for g in built.grades if g.grade.author_id == request.user.pk), None)
    return _report_page(request, built, round=round_, own=own, kind=access.own_grade_kind,
                        grade_url=reverse("scoring:round_grade", args=[round_.pk]),
                        md_url=reverse("scoring:round_export", args=[round_.pk, "md"]),
                        pdf_url=reverse("scoring:round_export", args=[round_.pk, "pdf"]),
                        coach_comments=coach_comments_for(access),
                        may_comment=access.may_comment)


@login_required
def round_export(request, round_id: int, fmt: str):
    round_, access = round_for(request.user, round_id, may="report")
    return _export(report.round_report(access), fmt,
                   f"mockloop-round-{round_.pk}")


def _form_page(request, form: GradeForm, subject: Subject, **context):
    values = form.data if form.is_bound else {
        name: ("on" if value is True else value) for name, value in form.initial.items()
        if value not in (None, False)}
    return render(request, "scoring/grade_form.html", {
        "form": form, "subject": subject, "lines": subject.lines,
        **_suggestion_context(values, subject),
        "calibration": selectors.calibration_summary(request.user), **context},
        status=400 if form.is_bound and form.errors else 200)


@login_required
def round_grade(request, round_id: int):
    """File or edit one's grade of a round: peer grade for the interviewer, self-grade
    for the candidate."""
    round_, access = round_for(request.user, round_id)
    kind = access.own_grade_kind
    if kind is None:
        raise Http404("Only the two people of this round grade it.")
    if not access.may_grade:
        messages.info(request, f"Round {round_.number}'s self-grade opens once the round "
                      f"has started (at {round_.starts_at:%H:%M} UTC) and is filed after "
                      "it ends; its question stays hidden until it starts.")
        return redirect("interviews:session", session_id=round_.session_id)
    grade = selectors.graded_rows(Grade.objects.filter(round=round_, kind=kind)).first()
    report_url = reverse("scoring:round_report", args=[round_.pk])
    if grade is not None and grade.is_frozen:
        messages.info(request, "Your grade is final; add an amendment for corrections.")
        return redirect(report_url)
    subject = subject_for_round(round_)
    # The room's notes are the interviewer's alone: shown beside the form, and part of the
    # grade (which the candidate and their coaches read) only where the interviewer copies
    # them in.
    room_notes = ""
    if access.notes:
        notes = InterviewerNotes.objects.filter(round=round_).first()
        room_notes = notes.text if notes else ""
    form = GradeForm(subject, request.POST or None, grade=grade)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if data is not None:
            try:
                if grade is None:
                    services.grade_submit(round_=round_, author=request.user, data=data)
                else:
                    services.grade_update(grade=grade, by=request.user, data=data)
            except services.GradeInvalid as exc:
                form.add_service_errors(exc.errors)
            except services.GradingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Grade saved." if grade else "Grade submitted.")
                return redirect(report_url)
    opens_at = round_.ends_at if timezone.now() < round_.ends_at else None
    return _form_page(request, form, subject, round=round_, kind=kind, editing=grade,
                      opens_at=opens_at, room_notes=room_notes,
                      back_url=report_url,
                      descriptor_url=reverse("scoring:round_descriptor", args=[round_.pk]),
                      suggest_url=reverse("scoring:round_suggest", args=[round_.pk]))


@login_required
@require_POST
def grade_amend(request, grade_id: int):
    grade = selectors.grade_get_for_user(request.user, grade_id)
    try:
        services.grade_amend(grade=grade, by=request.user, text=request.POST.get("text", ""))
        messages.success(request, "Amendment added.")
    except (services.GradingError, services.GradeInvalid) as exc:
        messages.error(request, _message(exc))
    return redirect("scoring:round_report", grade.round_id)


@login_required
@require_POST
def gap_annotate(request, grade_id: int):
    grade = selectors.grade_get_for_user(request.user, grade_id)
    try:
        services.gap_annotate(grade=grade, by=request.user,
                              dimension=request.POST.get("dimension", ""),
                              text=request.POST.get("text", ""))
        messages.success(request, "Annotation added.")
    except (services.GradingError, services.GradeInvalid) as exc:
        messages.error(request, _message(exc))
    return redirect(reverse("scoring:round_report", args=[grade.round_id]) + "#comparison")


def _message(exc: Exception) -> str:
    if isinstance(exc, services.GradeInvalid):
        return " ".join(m for messages_ in exc.errors.values() for m in messages_)
    return str(exc)


# --- htmx fragments -----------------------------------------------------------------------


def _descriptor(request, subject: Subject):
    key = request.GET.get("dimension", "")
    altitude = request.GET.get(f"rubric-{key}", "")
    dimension = next((d for d in subject.dimensions if d.key == key), None)
    if dimension is None or altitude not in ALTITUDES:
        return HttpResponse("", status=400)
    return render(request, "scoring/partials/descriptor.html",
                  {"dimension": dimension, "altitude": altitude,
                   "text": dimension.descriptor(altitude)})


@login_required
def round_descriptor(request, round_id: int):
    return _descriptor(request, subject_for_round(
        round_for(request.user, round_id, may="may_grade")[0]))


@login_required
def example_descriptor(request, slug: str):
    return _descriptor(request, subject_for_example(selectors.example_get(slug)))


def _suggestion_context(data, subject: Subject) -> dict:
    """The checklist's suggestion beside the grader's own call."""
    suggestion = suggestion_from_post(data)
    altitude = dict(subject.ladder).get(data.get("level", ""))
    apart = (abs(levels.rank(altitude) - levels.rank(suggestion.altitude))
             if altitude and suggestion.altitude else 0)
    return {"suggestion": suggestion, "level": data.get("level", ""), "altitude": altitude,
            "apart": apart}


def _suggest(request, subject: Subject):
    return render(request, "scoring/partials/suggestion.html",
                  _suggestion_context(request.POST, subject))


@login_required
@require_POST
def round_suggest(request, round_id: int):
    return _suggest(request, subject_for_round(
        round_for(request.user, round_id, may="may_grade")[0]))


@login_required
@require_POST
def example_suggest(request, slug: str):
    return _suggest(request, subject_for_example(selectors.example_get(slug)))


# --- examples and calibration -------------------------------------------------------------


@login_required
def example_list(request):
    examples = list(selectors.example_list())
    graded = set(Grade.objects.filter(kind=Grade.Kind.CALIBRATION, author=request.user)
                 .values_list("example_id", flat=True))
    return render(request, "scoring/examples.html", {
        "examples": [(example, example.pk in graded) for example in examples],
        "calibration": selectors.calibration_summary(request.user)})


@login_required
def example_report(request, slug: str):
    example = selectors.example_get(slug)
    built = report.example_report(request.user, example)
    graded = selectors.calibration_grade_for(request.user, example) is not None
    return _report_page(request, built, example=example, graded=graded,
                        grade_url=reverse("scoring:example_grade", args=[slug]),
                        md_url=reverse("scoring:example_export", args=[slug, "md"]),
                        pdf_url=reverse("scoring:example_export", args=[slug, "pdf"]))


@login_required
def example_export(request, slug: str, fmt: str):
    return _export(report.example_report(request.user, selectors.example_get(slug)), fmt,
                   f"mockloop-example-{slug}")


@login_required
def example_grade(request, slug: str):
    """Grade an example blind; the reference notes and the calibration score follow."""
    example = selectors.example_get(slug)
    report_url = reverse("scoring:example_report", args=[slug])
    if selectors.reference_visible_to(request.user, example):
        messages.info(request, "You have seen this example's reference notes already.")
        return redirect(report_url)
    subject = subject_for_example(example)
    form = GradeForm(subject, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if data is not None:
            try:
                services.calibration_submit(example=example, author=request.user, data=data)
            except services.GradeInvalid as exc:
                form.add_service_errors(exc.errors)
            except services.GradingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Grade submitted: here is the reference.")
                return redirect(report_url + "#comparison")
    return _form_page(request, form, subject, example=example, kind="calibration",
                      back_url=report_url,
                      descriptor_url=reverse("scoring:example_descriptor", args=[slug]),
                      suggest_url=reverse("scoring:example_suggest", args=[slug]))


@login_required
@require_POST
def example_reveal(request, slug: str):
    services.example_reveal(example=selectors.example_get(slug), user=request.user)
    return redirect("scoring:example_report", slug)
