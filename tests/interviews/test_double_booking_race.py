"""Two matchers racing in real PostgreSQL transactions never book one person twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from accounts.services import user_create
from interviews import matching, services
from interviews.models import Booking, MockSession
from tests.interviews.conftest import post_request, window

pytestmark = pytest.mark.django_db(transaction=True)


def _match_for(first, second, start) -> matching.Match:
    def as_open(request):
        return matching.OpenRequest(
            request_id=request.pk, user_id=request.user_id, created_at=request.created_at,
            companies=frozenset(), level_rank=1, role_track="ml-engineer",
            focus_areas=frozenset(), windows=())

    return matching.Match(first=as_open(first), second=as_open(second), starts_at=start,
                          ends_at=start + timedelta(minutes=90), shared_companies=frozenset(),
                          overlap=(start, start + timedelta(minutes=90)), explanation="race")


def test_concurrent_bookings_of_one_person_at_overlapping_times(bank, slot):
    assert connection.vendor == "postgresql"
    busy = user_create(username="busy", email="busy@example.test", password="pw-long-123x").user
    left = user_create(username="left", email="left@example.test", password="pw-long-123x").user
    right = user_create(username="right", email="right@example.test",
                        password="pw-long-123x").user
    # The busy person has two open requests, so both matches are valid on their own.
    busy_one = post_request(busy, [window(slot, 2)])
    busy_two = post_request(busy, [window(slot + timedelta(hours=2), 2)])
    left_request = post_request(left, [window(slot, 2)])
    right_request = post_request(right, [window(slot + timedelta(minutes=30), 2)])
    matches = [_match_for(busy_one, left_request, slot),
               _match_for(busy_two, right_request, slot + timedelta(minutes=30))]

    barrier = threading.Barrier(2)
    results: list = [None, None]

    def book(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = services.session_book(match=matches[index])
        finally:
            connection.close()

    for _ in range(3):
        threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        booked = [r for r in results if r is not None]
        assert len(booked) == 1, "exactly one of the racing bookings may win"
        sessions = MockSession.objects.filter(bookings__user=busy, bookings__active=True)
        assert sessions.count() == 1
        # Reset for another round of the race.
        Booking.objects.all().delete()
        MockSession.objects.all().delete()
        for request in (busy_one, busy_two, left_request, right_request):
            request.status = "open"
            request.save(update_fields=["status"])


def test_the_database_itself_refuses_overlapping_bookings(bank, slot, candidate, peer,
                                                          outsider):
    from django.db import IntegrityError

    first = MockSession.objects.create(participant_a=candidate, participant_b=peer,
                                       starts_at=slot, ends_at=slot + timedelta(minutes=90))
    second = MockSession.objects.create(participant_a=candidate, participant_b=outsider,
                                        starts_at=slot + timedelta(minutes=60),
                                        ends_at=slot + timedelta(minutes=150))
    Booking.objects.create(user=candidate, session=first, starts_at=first.starts_at,
                           ends_at=first.ends_at)
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        Booking.objects.create(user=candidate, session=second, starts_at=second.starts_at,
                               ends_at=second.ends_at)
