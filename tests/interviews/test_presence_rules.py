"""Who is present, computed from the room's entries: per person, newest tab first, expired
entries ignored; the embedded store (one process, no Redis) keeps and drops entries."""

from __future__ import annotations

import asyncio

from interviews.presence import Entry, MemoryEntries, active_connections


def test_each_person_once_with_their_newest_live_tab():
    entries = {
        "1:old": Entry(user=1, joined=100.0, expires=500.0),
        "1:new": Entry(user=1, joined=200.0, expires=500.0),
        "2:only": Entry(user=2, joined=150.0, expires=500.0),
        "3:dead": Entry(user=3, joined=300.0, expires=400.0),
        "2:dead-newer": Entry(user=2, joined=250.0, expires=400.0),
    }
    assert active_connections(entries, now=450.0) == {1: "1:new", 2: "2:only"}
    assert active_connections(entries, now=350.0) == {1: "1:new", 2: "2:dead-newer",
                                                      3: "3:dead"}
    assert active_connections({}, now=0.0) == {}


def test_the_embedded_store_keeps_rooms_apart_and_forgets_empty_ones():
    store = MemoryEntries()

    async def scenario():
        await store.put(7, "1:a", Entry(1, 1.0, 9.0))
        await store.put(8, "2:b", Entry(2, 1.0, 9.0))
        assert set(await store.read(7)) == {"1:a"}
        await store.remove(7, ["1:a", "1:unknown"])
        assert await store.read(7) == {}
        assert 7 not in store.rooms and set(await store.read(8)) == {"2:b"}

    asyncio.run(scenario())
