"""The room's Redis connection: one RESP3 socket per event loop that runs the numbering
script and receives the rooms' channels.

RESP3 lets a subscribed connection still run commands, with the channel messages arriving
as pushes between the replies. A process publishing a stroke therefore gets the script's
reply and its own copy of the event in one read, and every event costs one socket write
and one read, parsed by a few lines here instead of a general client's layers (redis-py's
command path cost the server about a third of its CPU per stroke).

The connection reconnects by itself and subscribes again to every room it had; events
published while it was down are missed here, and the clients ask for them again when the
gap in the numbers stays open (see room.js).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import logging
import ssl
from collections import deque
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

CRLF = b"\r\n"
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class RedisReplyError(Exception):
    """Redis answered a command with an error."""


class ConnectionLost(ConnectionError):
    """The connection closed before Redis answered."""


class _Incomplete(Exception):
    pass


def encode_command(*args) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int):
            arg = b"%d" % arg
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


@functools.cache
def script_digest(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()


class Push(list):
    """An out-of-band message (RESP3 `>`): a channel message or a subscription notice."""


def parse(buffer: bytes | bytearray, pos: int):
    """One RESP3 value from `buffer` at `pos`: (value, next position). Raises _Incomplete
    when the value has not fully arrived."""
    end = buffer.find(CRLF, pos)
    if end < 0:
        raise _Incomplete
    kind, line, pos = buffer[pos:pos + 1], buffer[pos + 1:end], end + 2
    if kind in (b"$", b"=", b"!"):  # bulk string, verbatim string, bulk error
        length = int(line)
        if length < 0:
            return None, pos
        if len(buffer) < pos + length + 2:
            raise _Incomplete
        value = bytes(buffer[pos:pos + length])
        if kind == b"!":
            value = RedisReplyError(value.decode(errors="replace"))
        return value, pos + length + 2
    if kind in (b"*", b">", b"~", b"%", b"|"):  # array, push, set, map, attribute
        count = int(line)
        if count < 0:
            return None, pos
        if kind in (b"%", b"|"):
            count *= 2
        items = Push() if kind == b">" else []
        for _ in range(count):
            item, pos = parse(buffer, pos)
            items.append(item)
        if kind in (b"%", b"|"):
            return dict(zip(items[::2], items[1::2], strict=True)), pos
        return items, pos
    if kind == b":":
        return int(line), pos
    if kind == b"+":
        return bytes(line), pos
    if kind == b"-":
        return RedisReplyError(bytes(line).decode(errors="replace")), pos
    if kind == b"_":
        return None, pos
    if kind == b"#":
        return line == b"t", pos
    if kind == b",":
        return float(line), pos
    if kind == b"(":
        return int(line), pos
    raise ConnectionError(f"unexpected Redis reply type {kind!r}")


# A channel message, by far the commonest thing Redis sends here: read by parse_message.
MESSAGE_PUSH = b">3\r\n$7\r\nmessage\r\n"


def parse_message(buffer: bytes | bytearray, pos: int) -> tuple[bytes, bytes, int]:
    """The channel and data of a channel message starting at `pos` (MESSAGE_PUSH), and
    the position after it, without the general parser's steps. Raises _Incomplete."""
    channel, pos = _bulk_string(buffer, pos + len(MESSAGE_PUSH))
    data, pos = _bulk_string(buffer, pos)
    return channel, data, pos


def _bulk_string(buffer: bytes | bytearray, pos: int) -> tuple[bytes, int]:
    end = buffer.find(CRLF, pos)
    if end < 0:
        raise _Incomplete
    if buffer[pos] != ord("$"):
        raise ConnectionError(f"a channel message holds {buffer[pos:pos + 1]!r}, not a "
                              "bulk string")
    length = int(buffer[pos + 1:end])
    if length < 0:
        raise ConnectionError("a channel message holds a null string")
    start = end + 2
    stop = start + length
    if len(buffer) < stop + 2:
        raise _Incomplete
    return bytes(buffer[start:stop]), stop + 2


class _Protocol(asyncio.Protocol):
    def __init__(self, owner: RoomRedis):
        self.owner = owner
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        pos, size = 0, len(buffer)
        try:
            while pos < size:
                if buffer.startswith(MESSAGE_PUSH, pos):
                    channel, data, pos = parse_message(buffer, pos)
                    self.owner._message(channel, data)
                else:
                    value, pos = parse(buffer, pos)
                    self.owner._received(value)
        except _Incomplete:
            pass
        except Exception:
            log.exception("room Redis: unreadable reply; reconnecting")
            self.transport.close()
            return
        del buffer[:pos]

    def connection_lost(self, exc) -> None:
        self.owner._lost(self, exc)


class RoomRedis:
    """A RESP3 connection of this event loop: `call` runs a command, `subscribe` adds a
    channel whose messages go to `on_message(channel, data)` as they arrive."""

    def __init__(self, url: str, on_message: Callable[[bytes, bytes], None],
                 on_subscribed: Callable[[bytes], None] | None = None):
        self.url = url
        self.on_message = on_message
        self.on_subscribed = on_subscribed or (lambda channel: None)
        self.loop = asyncio.get_running_loop()
        self.channels: set[bytes] = set()
        self.scripts: dict[str, str] = {}  # sha -> source, loaded again after a reconnect
        self._protocol: _Protocol | None = None
        self._waiting: deque[asyncio.Future] = deque()
        self._ready: asyncio.Future | None = None
        self._closed = False

    # --- the connection ---------------------------------------------------------------

    async def _connect(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme == "unix":
            _, protocol = await self.loop.create_unix_connection(
                lambda: _Protocol(self), parts.path)
        elif parts.scheme in ("redis", "rediss"):
            context = ssl.create_default_context() if parts.scheme == "rediss" else None
            _, protocol = await self.loop.create_connection(
                lambda: _Protocol(self), parts.hostname or "localhost", parts.port or 6379,
                ssl=context)
        else:
            raise ValueError(f"REDIS_URL scheme {parts.scheme!r} is not redis, rediss or unix")
        self._protocol = protocol
        hello = ["HELLO", "3"]
        if parts.password is not None:
            hello += ["AUTH", unquote(parts.username or "default"), unquote(parts.password)]
        handshake = [self._send(*hello)]
        database = parts.path.strip("/") if parts.scheme != "unix" else ""
        for key, value in (tuple(pair.split("=", 1)) for pair in parts.query.split("&")
                           if "=" in pair):
            if key == "db":
                database = value
        if database and database != "0":
            handshake.append(self._send("SELECT", database))
        handshake += [self._send("SCRIPT", "LOAD", source) for source in self.scripts.values()]
        if self.channels:
            self._write(encode_command("SUBSCRIBE", *self.channels))
        for reply in handshake:
            await reply

    async def ready(self) -> None:
        if self._protocol is not None and self._ready is None:
            return
        if self._ready is None:
            self._ready = self.loop.create_future()
            self.loop.create_task(self._connect_until_ready())
        await asyncio.shield(self._ready)

    async def _connect_until_ready(self) -> None:
        for attempt in itertools.count():
            if self._closed:
                if not self._ready.done():
                    self._ready.set_exception(ConnectionError("the connection was closed"))
                    self._ready.exception()
                self._ready = None
                return
            try:
                await self._connect()
            except Exception as exc:  # noqa: BLE001 - retried; callers wait meanwhile
                self._drop_connection()
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                if attempt == 0 or delay == RECONNECT_DELAYS[-1]:
                    log.warning("room Redis: cannot connect (%s); retrying in %.1f s", exc,
                                delay)
                if attempt == 2 and not self._ready.done():
                    # Callers get the error; the connection keeps trying behind them.
                    self._ready.set_exception(ConnectionError(f"Redis unreachable: {exc}"))
                    self._ready.exception()  # handled: nobody may be waiting
                await asyncio.sleep(delay)
                continue
            if not self._ready.done():
                self._ready.set_result(None)
            self._ready = None
            return

    def _drop_connection(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.transport.close()
        self._fail_waiting(ConnectionLost("the Redis connection closed"))

    def _fail_waiting(self, error: Exception) -> None:
        waiting, self._waiting = self._waiting, deque()
        for future in waiting:
            if not future.done():
                future.set_exception(error)

    def _lost(self, protocol: _Protocol, exc) -> None:
        if protocol is not self._protocol:
            return
        self._protocol = None
        self._fail_waiting(ConnectionLost(f"the Redis connection closed ({exc})"))
        if not self._closed and self._ready is None:
            log.warning("room Redis: connection lost (%s); reconnecting", exc)
            self.loop.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        with contextlib.suppress(ConnectionError):  # logged, and retried until it works
            await self.ready()

    def close(self) -> None:
        self._closed = True
        self._drop_connection()

    # --- commands ---------------------------------------------------------------------

    def _write(self, data: bytes) -> bool:
        if self._protocol is None:
            return False  # reconnecting: subscriptions are sent again once connected
        self._protocol.transport.write(data)
        return True

    def _send(self, *args) -> asyncio.Future:
        future = self.loop.create_future()
        if self._write(encode_command(*args)):
            self._waiting.append(future)
        else:
            future.set_exception(ConnectionLost("the Redis connection is down"))
        return future

    async def call(self, *args):
        await self.ready()
        reply = await self._send(*args)
        return reply

    def _received(self, value) -> None:
        if isinstance(value, Push):
            self._pushed(value)
            return
        future = self._waiting.popleft()
        if future.done():
            return
        if isinstance(value, RedisReplyError):
            future.set_exception(value)
        else:
            future.set_result(value)

    def _pushed(self, push: Push) -> None:
        if push[0] == b"message":
            self._message(push[1], push[2])
        elif push[0] == b"subscribe":
            try:
                self.on_subscribed(push[1])
            except Exception:
                log.exception("room Redis: handling the subscription to %r failed", push[1])

    def _message(self, channel: bytes, data: bytes) -> None:
        try:
            self.on_message(channel, data)
        except Exception:
            log.exception("room Redis: handling a message of %r failed", channel)

    async def eval(self, source: str, keys: list, args: list):
        """Run a Lua script by its digest, loading it first if Redis does not have it."""
        sha = script_digest(source)
        self.scripts.setdefault(sha, source)
        try:
            return await self.call("EVALSHA", sha, len(keys), *keys, *args)
        except RedisReplyError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
            await self.call("SCRIPT", "LOAD", source)
            return await self.call("EVALSHA", sha, len(keys), *keys, *args)

    # --- channels ---------------------------------------------------------------------

    async def subscribe(self, channel: str) -> None:
        await self.ready()
        name = channel.encode()
        self.channels.add(name)
        self._write(encode_command("SUBSCRIBE", name))

    def unsubscribe(self, channel: str) -> None:
        name = channel.encode()
        self.channels.discard(name)
        self._write(encode_command("UNSUBSCRIBE", name))
