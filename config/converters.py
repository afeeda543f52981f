"""Path converters shared by every app's URLs and socket routes."""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import IntConverter

BIGINT_MAX = 2**63 - 1


class IdConverter(IntConverter):
    """A database id: digits that fit PostgreSQL's bigint. A longer number matches no
    route, so it is a 404 like any id that does not exist, never an overflow."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("beyond a bigint")
        return number


# Registered on import, once: config.urls and the socket routes import this module first.
register_converter(IdConverter, "id")
