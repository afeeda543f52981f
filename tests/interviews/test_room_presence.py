"""Presence per person: one person in two tabs is one person in the room, their newest
tab holds their voice, and the entries of a socket whose process died expire."""

from __future__ import annotations

import time

import pytest

from interviews import presence
from tests.interviews.test_room_socket import (  # noqa: F401  (fixtures used here)
    Client,
    _Loop,
    clients,
    roles,
    session,
)

SIGNAL = {"type": "signal", "data": {"description": {"type": "offer", "sdp": "v=0"}}}


@pytest.fixture
def tabs(clients):  # noqa: F811
    """Open a room page as a browser tab does: its own id and opening time in hello."""
    opened = []

    def open_tab(user, session, name: str, opened_at: int | None = None):  # noqa: F811
        """`opened_at` is when the page opened (ms); a tab opened now by default."""
        opened_at = opened_at if opened_at is not None else int(time.time() * 1000)
        client = Client(user, session.pk)
        connected, _ = client.connect()
        assert connected
        client.receive_type("welcome")
        client.send({"type": "hello", "last_seq": 0, "tab": name, "opened_at": opened_at})
        client.receive_type("snapshot")
        client.opened_at = opened_at
        opened.append(client)
        return client

    yield open_tab
    for client in opened:
        client.close()


def until_present(socket, people: dict[int, str | None], timeout: float = 3) -> dict:
    """Read presence notices until they list exactly these people (with these voice tabs,
    where one is given)."""
    deadline = time.monotonic() + timeout
    while True:
        notice = socket.receive_type("presence", timeout=max(0.05, deadline - time.monotonic()))
        listed = {entry["user"]: entry["tab"] for entry in notice["present"]}
        if set(listed) == set(people) and all(tab is None or listed[user] == tab
                                              for user, tab in people.items()):
            return listed


def test_two_tabs_of_one_person_are_one_person(session, candidate, peer, tabs):  # noqa: F811
    interviewer, other = roles(session, candidate, peer)
    watcher = tabs(other, session, "watcher-tab")
    first = tabs(interviewer, session, "first-tab")
    until_present(watcher, {other.pk: None, interviewer.pk: "first-tab"})
    second = tabs(interviewer, session, "second-tab")
    # The newer tab holds the voice; both tabs are told, and the peer too.
    until_present(watcher, {other.pk: None, interviewer.pk: "second-tab"})
    until_present(first, {other.pk: None, interviewer.pk: "second-tab"})

    second.close()
    # Still here through the first tab, which has the voice back.
    until_present(watcher, {other.pk: None, interviewer.pk: "first-tab"})
    first.close()
    until_present(watcher, {other.pk: None})


def test_only_the_tab_holding_the_voice_signals(session, candidate, peer, tabs):  # noqa: F811
    interviewer, other = roles(session, candidate, peer)
    watcher = tabs(other, session, "watcher-tab")
    old = tabs(interviewer, session, "older-tab")
    new = tabs(interviewer, session, "newer-tab")
    until_present(old, {other.pk: None, interviewer.pk: "newer-tab"})
    until_present(watcher, {other.pk: None, interviewer.pk: "newer-tab"})

    old.send({**SIGNAL, "ref": "old"})
    refused = old.receive_type("error")
    assert (refused["code"], refused["ref"]) == ("voice_elsewhere", "old")
    assert "newer tab" in refused["message"]

    watcher.send(SIGNAL)
    assert new.receive_type("signal")["from"] == other.pk
    assert old.quiet(), "the older tab was sent the peer's voice signal"
    new.send(SIGNAL)
    assert watcher.receive_type("signal")["from"] == interviewer.pk


def test_a_dead_process_socket_expires(session, candidate, peer, tabs, settings):  # noqa: F811
    """A socket whose server process died never says goodbye: its entry stops being
    renewed, and the next heartbeat in the room drops it."""
    settings.ROOM_PRESENCE_TTL_SECONDS = 1.0
    interviewer, other = roles(session, candidate, peer)
    watcher = tabs(other, session, "watcher-tab")
    # What a socket on a process that then died left behind: one renewal, never another.
    _Loop.run(presence.renew(session.pk, f"{interviewer.pk}:ghost-tab", interviewer.pk,
                             joined=time.time()))
    until_present(watcher, {other.pk: None, interviewer.pk: "ghost-tab"}, timeout=3)
    started = time.monotonic()
    until_present(watcher, {other.pk: None}, timeout=3)
    assert time.monotonic() - started < 2.5


def test_a_reconnecting_tab_keeps_its_place(session, candidate, peer, tabs):  # noqa: F811
    """A tab that reconnects is the same tab: it does not take the voice from a newer
    one, and its old socket's entry and its new one are one."""
    interviewer, other = roles(session, candidate, peer)
    watcher = tabs(other, session, "watcher-tab")
    older = tabs(interviewer, session, "older-tab")
    tabs(interviewer, session, "newer-tab")
    until_present(watcher, {other.pk: None, interviewer.pk: "newer-tab"})
    opened_at = older.opened_at
    older.close()
    again = tabs(interviewer, session, "older-tab", opened_at)
    until_present(again, {other.pk: None, interviewer.pk: "newer-tab"})
    assert set(_Loop.run(presence.store().read(session.pk))) == {
        f"{other.pk}:watcher-tab", f"{interviewer.pk}:older-tab",
        f"{interviewer.pk}:newer-tab"}


def test_presence_lives_in_redis_when_it_is_set(settings):
    """Every ASGI process reads the same room: the store is Redis under make test."""
    assert settings.REDIS_URL
    assert isinstance(presence.store(), presence.RedisEntries)
