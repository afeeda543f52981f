from __future__ import annotations

import time

from celery.exceptions import TimeoutError as CeleryTimeout
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error

from accounts.services import profile_for
from companies import selectors
from companies.models import Company, Question
from config.celery import ping, worker_queues


def home(request):
    context = {"question_count": Question.objects.count(),
               "company_count": Company.objects.filter(generic=False).count()}
    if request.user.is_authenticated:
        profile = profile_for(request.user)
        context["profile"] = profile
        context["targets"] = profile.target_companies.all()
        context["recent_attempts"] = selectors.attempt_list_for_user(request.user)[:5]
    return render(request, "home.html", context)


WORKER_WAIT_SECONDS = 10


def healthz(request):
    """Liveness for load balancers. `?worker=1` also round-trips a task through a worker of
    every queue the deployment uses (`?queue=NAME` through that queue's alone) and names
    the queues no worker answered on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    body = {"ok": True, "database": connection.vendor}
    queue = request.GET.get("queue")
    if request.GET.get("worker") != "1" and not queue:
        return JsonResponse(body)
    known = worker_queues()
    if queue and queue not in known:
        return JsonResponse({"ok": False, "error": f"Unknown queue {queue!r}; the queues "
                             f"are {', '.join(known)}."}, status=400)
    answered = queues_answering([queue] if queue else known)
    body.update(worker=all(answered.values()), queues=answered,
                missing=[name for name, ok in answered.items() if not ok])
    body["ok"] = body["worker"]
    return JsonResponse(body, status=200 if body["ok"] else 503)


def queues_answering(queues: list[str]) -> dict[str, bool]:
    """Send a ping down each queue at once, then wait for the replies together."""
    sent = {name: ping.apply_async(args=["health"], queue=name, expires=WORKER_WAIT_SECONDS)
            for name in queues}
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    answered = {}
    for name, result in sent.items():
        try:
            # The embedded worker shares this process, which makes Celery think it is
            # inside a task; waiting here is still safe because the task never waits.
            reply = result.get(timeout=max(0.1, deadline - time.monotonic()),
                               disable_sync_subtasks=False)
            answered[name] = reply["reply"] == "health"
        except CeleryTimeout:
            answered[name] = False
    return answered


def not_found(request, exception):
    """A path no route matches: under /api/ in the API's error shape, elsewhere the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "fields": {},
                                       "message": "No such resource."}}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "server_error", "fields": {},
                                       "message": "Something went wrong on our side."}},
                            status=500)
    return default_server_error(request)
