"""Request-wide middleware: htmx marking, query strings PostgreSQL cannot compare, and
the viewer's time zone."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from config.storable_text import UNSTORABLE_TEXT, is_storable


class HtmxMiddleware:
    """Marks htmx requests so views can answer them with a fragment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.htmx = request.headers.get("HX-Request") == "true"
        return self.get_response(request)


class UnstorableQueryMiddleware:
    """A query parameter with a NUL (`%00`) reaches filters and searches, where PostgreSQL
    answers with an error instead of no rows: refuse it up front with a 400, in the API's
    error shape under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if not is_storable(key) or not all(is_storable(value) for value in values):
                return self._refuse(request, key if is_storable(key) else "query")
        return self.get_response(request)

    @staticmethod
    def _refuse(request, field: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "invalid",
                                           "message": "The request has invalid fields.",
                                           "fields": {field: [UNSTORABLE_TEXT]}}}, status=400)
        return HttpResponseBadRequest(f"The query parameter '{field}': {UNSTORABLE_TEXT}",
                                      content_type="text/plain; charset=utf-8")


class UserTimeZoneMiddleware:
    """Times on every page are the signed-in person's local times (their profile's zone;
    UTC for everyone else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = _zone_of(request.user)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


def _zone_of(user) -> zoneinfo.ZoneInfo | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        # The related accessor caches the profile on the user for the rest of the request.
        return zoneinfo.ZoneInfo(user.profile.time_zone)
    except (ObjectDoesNotExist, zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
