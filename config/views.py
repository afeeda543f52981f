from __future__ import annotations

from celery.exceptions import TimeoutError as CeleryTimeout
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from accounts.services import profile_for
from companies import selectors
from companies.models import Company, Question
from config.celery import ping


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
    """Liveness for load balancers; `?worker=1` also round-trips a task through a worker."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    body = {"ok": True, "database": connection.vendor}
    if request.GET.get("worker") == "1":
        try:
            # The embedded worker shares this process, which makes Celery think it is
            # inside a task; waiting here is still safe because the task never waits.
            reply = ping.delay("health").get(timeout=10, disable_sync_subtasks=False)
            body["worker"] = reply["reply"] == "health"
        except CeleryTimeout:
            body.update(ok=False, worker=False)
    return JsonResponse(body, status=200 if body["ok"] else 503)
