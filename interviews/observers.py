"""Withdrawing a watcher's invitation to a room, effective at once."""

from __future__ import annotations

from django.db import transaction

from interviews.models import RoomObserver


def observer_withdraw(observer: RoomObserver) -> None:
    """Delete the invitation and close the watcher's open sockets to that room."""
    session_id, user_id = observer.session_id, observer.user_id
    observer.delete()
    transaction.on_commit(lambda: _tell_room(session_id, {"type": "room.revoke",
                                                          "user": user_id}))


def _tell_room(session_id: int, message: dict) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from interviews.room import group_name

    async_to_sync(get_channel_layer().group_send)(group_name(session_id), message)
