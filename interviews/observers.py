"""Withdrawing a watcher's invitation to a room, effective at once."""

from __future__ import annotations

from django.db import transaction

from interviews.models import RoomObserver


def observer_withdraw(observer: RoomObserver) -> None:
    """Delete the invitation and close the watcher's open sockets to that room."""
    from interviews.room import _broadcast

    session_id, user_id = observer.session_id, observer.user_id
    observer.delete()
    transaction.on_commit(lambda: _broadcast(session_id, {"type": "room.revoke",
                                                          "user": user_id}))
