"""Who is on the other end of a WebSocket, decided once when it connects.

Channels' AuthMiddlewareStack wraps every message a socket sends in a session check (is
the session modified? empty?), through lazy objects, so that a consumer could log users
in and out. The room's sockets never do, and they send thousands of frames a second: this
middleware reads the session cookie and loads the user before the consumer starts, and
leaves `send` untouched.
"""

from __future__ import annotations

from importlib import import_module

from channels.auth import get_user
from channels.sessions import CookieMiddleware
from django.conf import settings


class _SessionUser:
    def __init__(self, inner):
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        session_key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        session = self.session_store(session_key)
        user = await get_user({"session": session})
        scope = dict(scope, session=session, user=user)
        return await self.inner(scope, receive, send)


def SessionUserMiddleware(inner):  # noqa: N802 - used like the class it returns
    """Cookie parsing, then the session's user in `scope["user"]` (AnonymousUser when
    there is none); the consumer's frames go out as they are."""
    return CookieMiddleware(_SessionUser(inner))

