"""Who is on the other end of a WebSocket, decided once when it connects.

Channels' AuthMiddlewareStack wraps every message a socket sends in a session check (is
the session modified? empty?), through lazy objects, so that a consumer could log users
in and out. The room's sockets never do, and they send thousands of frames a second: this
middleware reads the session cookie and loads the user before the consumer starts, and
leaves `send` untouched.

The user is checked as Django checks it for a page (the session's password hash, against
the current SECRET_KEY and SECRET_KEY_FALLBACKS), but the session itself is never changed
here: a socket cannot give the browser a new cookie, so renewing a session signed with an
old key, or ending one whose password changed, is left to the next page load. (Channels'
own `get_user` knows no fallbacks and flushes the session on a mismatch: after a key
rotation, a room's reconnect would have logged its user out everywhere.)
"""

from __future__ import annotations

from importlib import import_module

from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare


def user_of_session(session):
    """The session's user, or None when there is none or its hash matches no key."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not hasattr(user, "get_session_auth_hash"):
        return user
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash:
        return None
    known = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if any(constant_time_compare(session_hash, candidate) for candidate in known):
        return user
    return None


class _SessionUser:
    def __init__(self, inner):
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        session_key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        session = self.session_store(session_key)
        user = await database_sync_to_async(user_of_session)(session) or AnonymousUser()
        scope = dict(scope, session=session, user=user)
        return await self.inner(scope, receive, send)


def SessionUserMiddleware(inner):  # noqa: N802 - used like the class it returns
    """Cookie parsing, then the session's user in `scope["user"]` (AnonymousUser when
    there is none); the consumer's frames go out as they are."""
    return CookieMiddleware(_SessionUser(inner))
