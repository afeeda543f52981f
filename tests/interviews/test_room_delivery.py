"""How a socket's room events leave: at once when the socket takes them, in order always."""

from __future__ import annotations

import asyncio

import pytest

from interviews.consumers import RoomConsumer, run_until_suspended


def test_a_coroutine_that_never_waits_finishes_on_the_spot():
    done = []

    async def quick():
        done.append("sent")

    async def scenario():
        return run_until_suspended(quick())

    assert asyncio.run(scenario()) is None
    assert done == ["sent"]


def test_a_coroutine_that_waits_is_finished_by_a_task_with_its_result():
    async def scenario():
        gate = asyncio.get_running_loop().create_future()
        steps = []

        async def slow():
            steps.append("before")
            value = await gate
            await asyncio.sleep(0)
            steps.append("after")
            return value * 2

        task = run_until_suspended(slow())
        assert steps == ["before"]
        await asyncio.sleep(0.01)
        assert steps == ["before"] and not task.done()
        gate.set_result(21)
        return await task, steps

    assert asyncio.run(scenario()) == (42, ["before", "after"])


def test_errors_surface_before_and_after_the_wait():
    async def fails_at_once():
        raise ConnectionResetError("gone")

    async def fails_later(gate):
        await gate
        raise ConnectionResetError("gone later")

    async def scenario():
        with pytest.raises(ConnectionResetError, match="gone"):
            run_until_suspended(fails_at_once())
        gate = asyncio.get_running_loop().create_future()
        task = run_until_suspended(fails_later(gate))
        gate.set_result(None)
        with pytest.raises(ConnectionResetError, match="gone later"):
            await task

    asyncio.run(scenario())


def test_cancelling_the_task_cancels_the_waiting_coroutine():
    async def scenario():
        cleaned = []

        async def waits_forever():
            try:
                await asyncio.get_running_loop().create_future()
            finally:
                cleaned.append(True)

        task = run_until_suspended(waits_forever())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return cleaned

    assert asyncio.run(scenario()) == [True]


class FullSocket:
    """An ASGI send whose buffer is full when the first frame comes, until `drain` is set;
    later frames go straight out, as a socket would send them."""

    def __init__(self):
        self.frames: list[str] = []
        self.calls = 0
        self.drain = asyncio.Event()

    async def __call__(self, message: dict) -> None:
        self.calls += 1
        if self.calls == 1 and not self.drain.is_set():
            await self.drain.wait()
        self.frames.append(message["text"])


def event(seq: int) -> dict:
    return {"session": 1, "seq": seq, "kind": "whiteboard", "text": f"event {seq}"}


def test_events_keep_their_order_when_the_socket_makes_one_wait():
    async def scenario():
        socket = RoomConsumer()
        socket.base_send = FullSocket()
        socket.start_delivery()
        sender = asyncio.get_running_loop().create_task(socket._send_events())
        await asyncio.sleep(0)  # the sender now waits for the outbox

        socket.push_event(event(1))  # sent at once, and made to wait by the socket
        socket.push_event(event(2))  # queued behind it
        await asyncio.sleep(0.01)
        socket.push_event(event(3))
        assert socket.base_send.frames == []
        socket.base_send.drain.set()
        await asyncio.sleep(0.01)
        socket.push_event(event(4))  # the way is clear again: sent at once
        sent_at_once = socket.base_send.frames[-1] == "event 4"
        sender.cancel()
        return socket.base_send.frames, sent_at_once

    frames, sent_at_once = asyncio.run(scenario())
    assert frames == ["event 1", "event 2", "event 3", "event 4"]
    assert sent_at_once


def test_events_wait_while_a_catch_up_is_being_sent():
    async def scenario():
        socket = RoomConsumer()
        socket.base_send = FullSocket()
        socket.base_send.drain.set()
        socket.start_delivery()
        sender = asyncio.get_running_loop().create_task(socket._send_events())
        await asyncio.sleep(0)
        socket.live.clear()
        socket.push_event(event(5))
        await socket.send(text_data="catch-up 4")
        socket.live.set()
        await asyncio.sleep(0.01)
        sender.cancel()
        return socket.base_send.frames

    assert asyncio.run(scenario()) == ["catch-up 4", "event 5"]
