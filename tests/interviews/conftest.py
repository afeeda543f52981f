from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companies.models import Company, RoleTrack
from interviews import services


def next_monday_utc(hour: int = 18) -> datetime:
    today = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    days = (7 - today.weekday()) % 7
    if days < 2:  # at least a day and more ahead, whatever the weekday
        days += 7
    return (today + timedelta(days=days)).replace(hour=hour)


@pytest.fixture
def slot():
    """A Monday 18:00 UTC over a day ahead, so every window is in the future."""
    return next_monday_utc()


def post_request(user, windows, *, companies=("meta",), level="senior",
                 track="ml-engineer", types=("any",), focus=(), now=None):
    return services.mock_request_create(user=user, now=now, data=services.RequestInput(
        companies=list(Company.objects.filter(slug__in=companies)), target_level=level,
        role_track=RoleTrack.objects.get(slug=track), question_types=list(types),
        focus_areas=list(focus), windows=list(windows)))


def window(start: datetime, hours: float = 2.0):
    return (start, start + timedelta(hours=hours))


@pytest.fixture(autouse=True)
def tasks_run_in_this_process():
    """Booking tests read the emails a task sends from this process's outbox; the real
    worker's path is covered by the browser test and tests/platform."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture
def booked_session(bank, candidate, peer, slot):
    """A mock the matcher booked for `candidate` and `peer` (round 1: peer interviews)."""
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    (session,) = services.match_open_requests()
    return session
