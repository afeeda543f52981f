"""The room's own Redis connection: replies and channel messages on one RESP3 socket,
scripts, and a reconnect that subscribes again."""

from __future__ import annotations

import asyncio

import pytest
import redis
from django.conf import settings

from interviews.room_redis import (
    Push,
    RedisReplyError,
    RoomRedis,
    _Incomplete,
    _Protocol,
    parse,
)

PUBLISH = "redis.call('PUBLISH', KEYS[1], ARGV[1]) return redis.call('INCR', KEYS[2])"


@pytest.mark.parametrize(("raw", "value"), [
    (b":42\r\n", 42),
    (b"+OK\r\n", b"OK"),
    (b"$5\r\nhello\r\n", b"hello"),
    (b"$0\r\n\r\n", b""),
    (b"_\r\n", None),
    (b"#t\r\n", True),
    (b"*2\r\n:1\r\n$1\r\nx\r\n", [1, b"x"]),
    (b"%1\r\n+proto\r\n:3\r\n", {b"proto": 3}),
    (b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\na\nb\n\r\n", [b"message", b"ch", b"a\nb\n"]),
])
def test_it_reads_each_reply_type(raw, value):
    parsed, end = parse(raw, 0)
    assert (parsed, end) == (value, len(raw))
    assert isinstance(parsed, Push) == raw.startswith(b">")
    for cut in range(1, len(raw)):
        with pytest.raises(_Incomplete):
            parse(raw[:cut], 0)


class Owner:
    """What a connection's protocol hands its replies and channel messages to."""

    def __init__(self):
        self.seen = []

    def _received(self, value):
        self.seen.append(("push", list(value)) if isinstance(value, Push) else ("reply", value))

    def _message(self, channel, data):
        self.seen.append(("message", channel, data))


class Transport:
    closed = False

    def close(self):
        self.closed = True


# A reply, a channel message (whose data holds CRLF), a subscription notice, a reply.
STREAM = (b":1\r\n" b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$7\r\n1\nm\r\nf\n\r\n"
          b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n" b":2\r\n")


def test_replies_and_messages_come_out_in_order_however_the_stream_is_cut():
    for cut in range(len(STREAM) + 1):
        owner = Owner()
        protocol = _Protocol(owner)
        protocol.transport = Transport()
        protocol.data_received(STREAM[:cut])
        protocol.data_received(STREAM[cut:])
        assert owner.seen == [("reply", 1), ("message", b"ch", b"1\nm\r\nf\n"),
                              ("push", [b"subscribe", b"ch", 1]), ("reply", 2)], cut
        assert not protocol.transport.closed and not protocol.buffer


@pytest.mark.parametrize("garbled", [
    b">3\r\n$7\r\nmessage\r\n:2\r\n$1\r\nx\r\n",  # the channel is not a string
    b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$-1\r\n:1\r\n",  # a null string as data
    b">3\r\n$7\r\nmessage\r\n$x\r\nch\r\n$1\r\nx\r\n",  # a length that is no number
])
def test_a_garbled_channel_message_drops_the_connection(garbled):
    owner = Owner()
    protocol = _Protocol(owner)
    protocol.transport = Transport()
    protocol.data_received(garbled)
    assert protocol.transport.closed and owner.seen == []


def test_an_error_reply_is_a_value_not_a_crash():
    error, _ = parse(b"-NOSCRIPT No matching script\r\n", 0)
    assert isinstance(error, RedisReplyError) and str(error).startswith("NOSCRIPT")


def url() -> str:
    assert settings.REDIS_URL, "the suite runs against Redis (scripts/test_services.py)"
    return settings.REDIS_URL


def test_commands_and_channel_messages_share_the_connection():
    redis.Redis.from_url(url()).delete("room-redis-test:count")

    async def scenario():
        received, confirmed = [], asyncio.Event()
        connection = RoomRedis(url(), on_message=lambda ch, data: received.append((ch, data)),
                               on_subscribed=lambda ch: confirmed.set())
        await connection.subscribe("room-redis-test:events")
        await asyncio.wait_for(confirmed.wait(), 5)
        counts = [await connection.eval(PUBLISH, ["room-redis-test:events",
                                                  "room-redis-test:count"], [f"stroke {n}"])
                  for n in range(3)]
        with pytest.raises(RedisReplyError, match="wrong number of arguments"):
            await connection.call("GET")
        assert await connection.call("PING") == b"PONG"  # the error left the stream in step
        connection.close()
        return counts, received

    counts, received = asyncio.run(scenario())
    assert counts == [1, 2, 3]
    assert received == [(b"room-redis-test:events", f"stroke {n}".encode()) for n in range(3)]


def test_after_losing_the_connection_it_reconnects_and_subscribes_again():
    async def scenario():
        received, subscribed = [], []
        connection = RoomRedis(url(), on_message=lambda ch, data: received.append(data),
                               on_subscribed=subscribed.append)
        await connection.subscribe("room-redis-test:again")
        client_id = await connection.call("CLIENT", "ID")
        await connection.call("SCRIPT", "FLUSH")  # the script must be loaded again too
        killer = redis.Redis.from_url(url())
        assert killer.client_kill_filter(_id=client_id) == 1
        for _ in range(100):
            if len(subscribed) == 2:
                break
            await asyncio.sleep(0.05)
        assert await connection.eval(PUBLISH, ["room-redis-test:again",
                                               "room-redis-test:count2"], ["after"]) >= 1
        await asyncio.sleep(0.1)
        connection.close()
        return received, subscribed

    received, subscribed = asyncio.run(scenario())
    assert subscribed == [b"room-redis-test:again"] * 2
    assert received == [b"after"]


def test_an_unreachable_redis_is_a_clear_error():
    async def scenario():
        connection = RoomRedis("redis://127.0.0.1:9/0", on_message=lambda ch, data: None)
        with pytest.raises(ConnectionError, match="Redis unreachable"):
            await asyncio.wait_for(connection.call("PING"), 10)
        connection.close()

    asyncio.run(scenario())
