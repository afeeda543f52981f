"""One JSON error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.views import exception_handler

# Django's own exceptions carry no DRF code; DRF turns them into these responses.
DJANGO_CODES = {Http404: "not_found", PermissionDenied: "permission_denied"}


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    if isinstance(detail, dict) and "detail" not in detail:
        fields = detail
        message = "The request has invalid fields."
    elif isinstance(detail, dict):
        message = str(detail["detail"])
    else:
        message = "; ".join(str(d) for d in detail) if isinstance(detail, list) else str(detail)
    code = getattr(exc, "default_code", None) or next(
        (code for kind, code in DJANGO_CODES.items() if isinstance(exc, kind)), "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
