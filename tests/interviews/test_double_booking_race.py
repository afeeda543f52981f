"""Two matchers racing in real PostgreSQL transactions never book one person twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from accounts.services import user_create
from companies.models import RoleTrack
from interviews import matching, services
from interviews.models import AvailabilityWindow, Booking, MockRequest, MockSession
from tests.interviews.conftest import post_request, window

# Rows are made directly: posting through the service would queue the real matcher,
# which could book these people before the race starts.


def open_request(user, start, hours=2):
    request = MockRequest.objects.create(
        user=user, target_level="senior", role_track=RoleTrack.objects.get(slug="ml-engineer"),
        question_types=["any"])
    AvailabilityWindow.objects.create(request=request, starts_at=start,
                                      ends_at=start + timedelta(hours=hours))
    return request

pytestmark = pytest.mark.django_db(transaction=True)


def _match_for(first, second, start) -> matching.Match:
    def as_open(request):
        return matching.OpenRequest(
            request_id=request.pk, user_id=request.user_id,
            created_at=request.created_at - timedelta(days=2),
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
    # Two requests of the busy person whose windows both allow 18:30-20:00.
    busy_one = open_request(busy, slot, hours=3)
    busy_two = open_request(busy, slot + timedelta(minutes=30), hours=2)
    left_request = open_request(left, slot, hours=3)
    right_request = open_request(right, slot + timedelta(minutes=30), hours=2)
    start = slot + timedelta(minutes=30)
    matches = [_match_for(busy_one, left_request, start),
               _match_for(busy_two, right_request, start)]
    barrier = threading.Barrier(2)

    def book(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = services.session_book(match=matches[index])
        finally:
            connection.close()

    for _ in range(3):
        results: list = [None, None]
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


def test_two_matchers_running_at_once_book_everyone_once(bank, slot):
    people = [user_create(username=f"p{i}", email=f"p{i}@example.test",
                          password="pw-long-123x").user for i in range(6)]
    for person in people:
        open_request(person, slot, hours=4)
    barrier = threading.Barrier(2)
    booked: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            booked.extend(services.match_open_requests())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert MockSession.objects.count() == len(booked) == 3
    for person in people:
        assert Booking.objects.filter(user=person, active=True).count() == 1


def test_two_posts_of_one_window_at_once_offer_it_once(bank, slot, candidate):
    outcome = {}

    def second_post() -> None:
        try:
            post_request(candidate, [window(slot, 2)])
            outcome["second"] = "stored"
        except services.BookingError as exc:
            outcome["second"] = str(exc)
        finally:
            connection.close()

    with transaction.atomic():
        post_request(candidate, [window(slot, 2)])
        racer = threading.Thread(target=second_post)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the second post must wait for the first one's transaction"
    racer.join(timeout=10)
    assert "already offers" in outcome["second"]
    assert MockRequest.objects.filter(user=candidate).count() == 1
