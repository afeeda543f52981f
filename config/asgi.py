"""ASGI entry point: HTTP through Django, WebSocket through Channels, on one server."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.celery import start_embedded_worker  # noqa: E402
from config.websocket_auth import SessionUserMiddleware  # noqa: E402
from config.websocket_routes import websocket_urlpatterns  # noqa: E402
from interviews.room_relay import lifespan  # noqa: E402

if settings.CELERY_EMBEDDED_WORKER:
    start_embedded_worker()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Startup tunes the garbage collector for the room's latency; shutdown stores the
        # room events this process relayed but has not stored yet.
        "lifespan": lifespan,
        "websocket": AllowedHostsOriginValidator(
            SessionUserMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
