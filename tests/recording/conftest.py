"""A booked mock whose round one is ready to record, and helpers to upload chunks."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from interviews import services
from interviews.models import MockSession
from tests.interviews.conftest import next_monday_utc, post_request, window


@pytest.fixture
def slot():
    return next_monday_utc()


def book(candidate, peer, slot) -> MockSession:
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()  # a running worker may have matched them already
    return MockSession.objects.get(participant_a__in=[candidate, peer],
                                   participant_b__in=[candidate, peer])


@pytest.fixture
def round_one(db, candidate, peer, slot):
    """Round one of a booked mock (the peer interviews the candidate)."""
    return book(candidate, peer, slot).rounds.get(number=1)


def client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


def agree_both(round_, client_class) -> None:
    for user in (round_.interviewer, round_.candidate):
        response = client_for(client_class, user).post(
            f"/api/rounds/{round_.pk}/recording/agree/")
        assert response.status_code == 200, response.content


def agree_both_committed(round_, client_class) -> None:
    """agree_both for tests whose data is committed, from a thread of its own: the room
    broadcast after the commit uses async_to_sync, which refuses to run in a thread
    where Playwright's sync API (session-wide) keeps its event loop."""
    import threading

    from django.db import connection

    failures = []

    def run():
        try:
            agree_both(round_, client_class)
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def put_chunk(client, round_, key: str, seq: int, data: bytes, *, final: bool = False,
              content_type: str = "audio/webm", **headers):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if final:
        extra["HTTP_X_FINAL"] = "1"
    return client.put(f"/api/rounds/{round_.pk}/recording/{key}/{seq}/", data=data,
                      content_type=content_type, **extra)
