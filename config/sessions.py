"""Database sessions whose keys are only what Django issues: ASCII letters and digits.

A cookie can carry anything (a quoted "\\000" in it becomes a NUL character), and
PostgreSQL answers a lookup with a NUL by an error, not by "no such session": such a key
is treated as no session at all, on pages and sockets alike.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
