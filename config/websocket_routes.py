"""WebSocket routes of every app, gathered for the ASGI router."""

from django.urls import path

from config import converters  # noqa: F401 - registers <id:...>
from interviews.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/room/<id:session_id>/", RoomConsumer.as_asgi()),
]
