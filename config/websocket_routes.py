"""WebSocket routes of every app, gathered for the ASGI router."""

from django.urls import path

from interviews.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/room/<int:session_id>/", RoomConsumer.as_asgi()),
]
