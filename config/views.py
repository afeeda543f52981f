from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from accounts.services import profile_for
from companies import selectors
from companies.models import Company, Question


def home(request):
    context = {"question_count": Question.objects.count(),
               "company_count": Company.objects.filter(generic=False).count()}
    if request.user.is_authenticated:
        profile = profile_for(request.user)
        context["profile"] = profile
        context["targets"] = profile.target_companies.all()
        context["recent_attempts"] = selectors.attempt_list_for_user(request.user)[:5]
    return render(request, "home.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
