"""The room's WebSocket: reads every message (its models are in room_messages), calls the
room services, relays events.

A bad message gets an error reply and is dropped; it never closes the room for others
or touches stored state. Whiteboard strokes are relayed without waiting for the
database (room_relay stores them right after). Voice signalling (WebRTC offers, answers,
ICE candidates) is relayed to the other participant and not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from interviews import presence, room, room_relay
from interviews.room_messages import (
    BrowserStroke,
    Clock,
    Hello,
    MessageError,
    Notes,
    Ping,
    Resume,
    RevealHint,
    Signal,
    Whiteboard,
    parse,
)

logger = logging.getLogger(__name__)

MAX_FRAME = 256 * 1024
RATE_PER_SECOND = 30.0
BURST = 60.0
# Events waiting for one slow socket; beyond this it is closed and resumes on reconnect.
MAX_BACKLOG = 2000
CLOSE_TOO_SLOW = 4408


def run_until_suspended(coroutine) -> asyncio.Task | None:
    """Run `coroutine` here up to its first wait, as Python 3.12's eager tasks do: None
    when it finished without waiting, else a task that finishes it. Its error, if it
    fails before waiting, is raised here."""
    try:
        awaited = coroutine.send(None)
    except StopIteration:
        return None
    return asyncio.get_running_loop().create_task(_finish(coroutine, awaited))


async def _finish(coroutine, awaited) -> Any:
    """Drive a coroutine that suspended on `awaited` (a future, or None for a bare
    yield) outside any task, the way a task would."""
    while True:
        try:
            if awaited is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait([awaited])
        except asyncio.CancelledError as cancelled:
            step = functools.partial(coroutine.throw, cancelled)
        else:
            step = functools.partial(coroutine.send, None)
        try:
            awaited = step()
        except StopIteration as finished:
            return finished.value


class TokenBucket:
    def __init__(self, rate: float = RATE_PER_SECOND, burst: float = BURST):
        self.rate, self.capacity, self.tokens = rate, burst, burst
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.user = self.scope["user"]
        try:
            access = await database_sync_to_async(room.room_access)(self.user, self.session_id)
        except Http404:
            await self.close(code=4403)
            return
        self.access = access  # refreshed when the round (and so the roles) changes
        self.ref = room_relay.session_ref(access.session)
        self.group = room.group_name(self.session_id)
        self.bucket = TokenBucket()
        self.tab = f"{self.user.pk}:{secrets.token_hex(8)}"  # the page's own, once it says
        self.joined = time.time()
        self.presence_seen: dict[int, str] = {}
        self.heartbeat: asyncio.Task | None = None
        self.stop_beating = asyncio.Event()
        # Room events come from this process's hub, in order: sent at once, or through
        # an outbox of our own when they must wait. The channel layer carries only
        # presence and voice signals.
        self.start_delivery()
        room_relay.serve_from_this_loop()
        room_relay.boards.joined(self.session_id)
        await room_relay.hub().join(self.ref, self)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "welcome", "role": access.role,
                              "user": self.user.pk, "round": access.round.number})
        self.sender = asyncio.get_running_loop().create_task(self._send_events())

    def start_delivery(self) -> None:
        """The outbox of room events: the hub's events wait here, in order, when they
        cannot be sent at once (see push_event)."""
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.sender_idle = False  # True while the sender task waits for the outbox
        self.unfinished_send: asyncio.Task | None = None
        self.live = asyncio.Event()  # cleared while a catch-up is being sent
        self.live.set()

    async def disconnect(self, code):
        await self.leave_room()

    async def leave_room(self) -> None:
        """Everything this socket holds in the room goes, once, on every way out: a close
        frame, a dropped connection, or a crash in a handler."""
        if getattr(self, "left", False):
            return
        self.left = True
        if hasattr(self, "group"):
            room_relay.boards.left(self.session_id)
            await room_relay.hub().leave(self.ref, self)
            if hasattr(self, "sender"):
                self.sender.cancel()
            if self.unfinished_send is not None:
                self.unfinished_send.cancel()
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.heartbeat is not None:
                await self._stop_heartbeat()
                now = await presence.leave(self.session_id, self.tab)
                if now != self.presence_seen:
                    await self._announce(now)

    async def _stop_heartbeat(self) -> None:
        """Let a renewal under way finish first: cut off, its write could reach Redis after
        the removal and leave a ghost until it expired."""
        self.stop_beating.set()
        with contextlib.suppress(TimeoutError):  # Redis hanging: removed by expiry then
            await asyncio.wait_for(self.heartbeat, timeout=presence.heartbeat_seconds())

    async def __call__(self, scope, receive, send):
        """Channels' consumer, with the room's cleanup guaranteed however it ends."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.leave_room()

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=room_relay.compact_json(content))

    async def receive(self, text_data=None, bytes_data=None):
        ref = None
        try:
            if text_data is None:
                raise MessageError("invalid", "Send JSON text frames.")
            if len(text_data) > MAX_FRAME:
                raise MessageError("too_large", f"Messages are limited to {MAX_FRAME} bytes.")
            if not self.bucket.take():
                raise MessageError("rate_limited", "Too many messages; slow down.")
            message = parse(text_data)
            ref = message.ref
            await self.HANDLERS[message.type](self, message)
        except MessageError as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": str(exc),
                                  "ref": ref if exc.ref is None else exc.ref})
        except room.RoomError as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": str(exc),
                                  "ref": ref})
        except OSError:  # the client went away mid-answer: the socket's end tidies up
            return
        except Exception:  # a bug in a handler: the socket and the room carry on
            logger.exception("Room %s: a message of user %s failed", self.session_id,
                             self.user.pk)
            await self.send_json({"type": "error", "code": "internal", "ref": ref,
                                  "message": "That message could not be handled; it was "
                                             "dropped. Try again or reload."})

    # --- handlers --------------------------------------------------------------------

    async def on_hello(self, message: Hello) -> None:
        """A (re)connecting client: a fresh one gets the snapshot, a returning one the
        events it missed, or is told to reload when too far behind."""
        if message.tab is not None and self.heartbeat is None:
            # The page's own id, so a tab that reconnects stays the same tab: of one
            # person's tabs, the one opened last holds their voice. The person's own clock
            # orders only the person's own tabs.
            self.tab = f"{self.user.pk}:{message.tab}"
            self.joined = min(message.opened_at / 1000, time.time())
        if await self._catch_up(message.last_seq) and self.heartbeat is None:
            self.heartbeat = asyncio.get_running_loop().create_task(self._keep_present())

    async def _keep_present(self) -> None:
        """Renew this socket's presence until it leaves; whoever notices a change (a
        join, or a crashed process's entries expiring) tells the room."""
        while not self.stop_beating.is_set():
            try:
                now = await presence.renew(self.session_id, self.tab, self.user.pk,
                                           joined=self.joined)
                if now != self.presence_seen and not self.stop_beating.is_set():
                    await self._announce(now)
            except Exception:  # Redis away for a moment: the next beat tries again
                logger.warning("Room %s: presence not renewed", self.session_id,
                               exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_beating.wait(),
                                       timeout=presence.heartbeat_seconds())

    async def _announce(self, present: dict[int, str]) -> None:
        self.presence_seen = present
        await self.channel_layer.group_send(self.group, {
            "type": "room.presence", "present": [[user, tab] for user, tab in present.items()]})

    @property
    def holds_voice(self) -> bool:
        """This is the person's newest tab in the room: voice and recording are here."""
        return self.presence_seen.get(self.user.pk) == self.tab

    async def on_resume(self, message: Resume) -> None:
        """A connected client that saw a gap in the numbers asks for the events again."""
        await self._catch_up(message.last_seq)

    async def _catch_up(self, last_seq: int) -> bool:
        self.live.clear()  # live events wait behind the catch-up (the client drops repeats)
        try:
            return await self._send_catch_up(last_seq)
        finally:
            self.live.set()

    async def _send_catch_up(self, last_seq: int) -> bool:
        self.access = await database_sync_to_async(room.room_access)(self.user,
                                                                     self.session_id)
        caught = await room_relay.catch_up(self.ref, last_seq, limit=room.RESUME_LIMIT,
                                           with_events=last_seq > 0)
        if last_seq == 0:
            snapshot = await database_sync_to_async(room.room_snapshot)(
                self.access, seq=caught.head, unstored=caught.unstored)
            await self.send_json({"type": "snapshot", **snapshot})
        elif caught.events is None:
            await self.send_json({"type": "reload", "reason": "too far behind"})
            return False
        else:
            for event in caught.events:
                await self.send_json({"type": "event", **event})
        return True

    async def on_reveal_hint(self, message: RevealHint) -> None:
        await self._command(lambda access: room.hint_reveal(access, index=message.index,
                                                            by=self.user))

    async def on_clock(self, message: Clock) -> None:
        await self._command(lambda access: room.clock_command(access, action=message.action,
                                                              by=self.user))

    async def on_whiteboard(self, message: Whiteboard) -> None:
        if not self.access.is_participant:
            raise room.RoomError("forbidden",
                                 "Observers watch the whiteboard; they cannot draw.")
        elements_json = message.elements_json if isinstance(message, BrowserStroke) else None
        await room_relay.whiteboard_publish(self.ref, message.elements, self.user.pk,
                                            elements_json=elements_json)

    async def on_notes(self, message: Notes) -> None:
        await self._command(lambda access: room.notes_save(access, text=message.text,
                                                           by=self.user))
        await self.send_json({"type": "notes_saved", "ref": message.ref})

    async def on_signal(self, message: Signal) -> None:
        if not self.access.is_participant:
            raise MessageError("forbidden", "Observers are not in the call.")
        if not self.holds_voice:
            raise MessageError("voice_elsewhere", "Your voice is in your newer tab of this "
                                                  "room; reload this one to bring it here.")
        await self.channel_layer.group_send(self.group, {
            "type": "room.signal", "data": message.data, "user": self.user.pk})

    async def on_ping(self, message: Ping) -> None:
        await self.send_json({"type": "pong", "ref": message.ref})

    async def _command(self, action) -> None:
        await database_sync_to_async(action)(self.access)

    HANDLERS = {
        "hello": on_hello, "resume": on_resume, "reveal_hint": on_reveal_hint,
        "clock": on_clock, "whiteboard": on_whiteboard, "notes": on_notes,
        "signal": on_signal, "ping": on_ping,
    }

    # --- group messages --------------------------------------------------------------

    def push_event(self, event: dict) -> None:
        """Called by the hub for every event of this room, in order. Sent here and now
        when nothing waits before it and the socket takes it at once (the usual case);
        otherwise queued for the sender task, which keeps the order."""
        if (self.sender_idle and self.outbox.empty() and self.live.is_set()
                and event["kind"] != "round" and self.unfinished_send is None):
            self._send_at_once(event["text"])
            return
        if self.outbox.qsize() >= MAX_BACKLOG:
            if not getattr(self, "closing_slow", False):
                self.closing_slow = True
                asyncio.get_running_loop().create_task(self.close(code=CLOSE_TOO_SLOW))
            return
        self.outbox.put_nowait(event)

    def _send_at_once(self, text: str) -> None:
        """Send without a task switch; a send that has to wait (the socket's buffer is
        full) is finished by a task that the sender task waits for before the next."""
        try:
            self.unfinished_send = run_until_suspended(
                self.base_send({"type": "websocket.send", "text": text}))
        except Exception:  # noqa: BLE001 - the socket went away; disconnect() tidies up
            self.unfinished_send = None

    async def _send_events(self) -> None:
        try:
            while True:
                self.sender_idle = True
                event = await self.outbox.get()
                self.sender_idle = False
                await self.live.wait()
                if self.unfinished_send is not None:
                    try:
                        await self.unfinished_send
                    finally:
                        self.unfinished_send = None
                if event["kind"] == "round":
                    self.access = await database_sync_to_async(room.room_access)(
                        self.user, self.session_id)
                await self.send(text_data=event["text"])
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the socket went away; disconnect() tidies up
            return

    async def room_signal(self, event: dict) -> None:
        if event["user"] != self.user.pk and self.holds_voice:
            await self.send_json({"type": "signal", "from": event["user"],
                                  "data": event["data"]})

    async def room_presence(self, event: dict) -> None:
        """Who is here, per person, with the tab that holds each one's voice."""
        self.presence_seen = {int(user): tab for user, tab in event["present"]}
        await self.send_json({"type": "presence", "present": [
            {"user": user, "tab": tab.partition(":")[2]}
            for user, tab in self.presence_seen.items()]})

    async def room_revoke(self, event: dict) -> None:
        """An invitation to watch was withdrawn (a coach link ended): leave at once."""
        if event["user"] == self.user.pk:
            await self.send_json({"type": "error", "code": "forbidden",
                                  "message": "Your invitation to this room was withdrawn."})
            await self.close(code=4403)
