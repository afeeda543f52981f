"""The API's pagination: `limit` and `offset`, with a ceiling on both."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination

from config.converters import BIGINT_MAX


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """At most `max_limit` rows a page; an offset past any table is an empty page, not
    an overflow in the database."""

    max_limit = 200

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), BIGINT_MAX)
