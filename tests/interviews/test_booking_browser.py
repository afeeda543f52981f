"""Two people in two browsers book overlapping requests and meet in one session.

The match is made by the real Celery worker (the request's commit queues it)."""

from __future__ import annotations

import time
import zoneinfo
from datetime import timedelta

import pytest
from django.core.management import call_command
from icalendar import Calendar

from companies.models import Company
from interviews.models import MockSession
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(transactional_db, candidate, peer):
    call_command("load_bank", verbosity=0)
    for user, zone in ((candidate, "Europe/Berlin"), (peer, "America/New_York")):
        profile = user.profile
        profile.time_zone = zone
        profile.save(update_fields=["time_zone"])
    return candidate, peer


def post_request_in_browser(page, *, zone: str, start_utc, meta_pk: int) -> None:
    local = start_utc.astimezone(zoneinfo.ZoneInfo(zone))
    page.goto("/mocks/request/new/")
    page.check(f"input[name=companies][value='{meta_pk}']")
    page.select_option("#id_target_level", "senior")
    page.select_option("#id_role_track", "ml-engineer")
    page.fill("#id_windows-0-date", local.date().isoformat())
    page.fill("#id_windows-0-start", local.strftime("%H:%M"))
    page.fill("#id_windows-0-end", (local + timedelta(hours=3)).strftime("%H:%M"))
    page.get_by_role("button", name="Post request").click()
    page.wait_for_url("**/mocks/")
    assert page.locator("[data-testid=open-request]").count() in (0, 1)


def wait_for_session(page, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto("/mocks/")
        if page.locator("[data-testid=session]").count():
            return
        time.sleep(1)
    raise AssertionError("no session appeared on the dashboard")


def test_two_people_book_and_see_the_same_session(browser, live_server_url,
                                                   celery_worker_process, people, slot):
    candidate, peer = people
    meta = Company.objects.get(slug="meta")
    pages = {}
    for user, zone, offset in ((candidate, "Europe/Berlin", 0),
                               (peer, "America/New_York", 1)):
        context = browser.new_context(base_url=live_server_url)
        page = context.new_page()
        browser_login(page, user.username)
        post_request_in_browser(page, zone=zone, start_utc=slot + timedelta(hours=offset),
                                meta_pk=meta.pk)
        pages[user.username] = (page, zone)

    events = {}
    for username, (page, zone) in pages.items():
        wait_for_session(page)
        page.locator("[data-testid=session] a.button").click()
        session = MockSession.objects.get()
        local_start = session.starts_at.astimezone(zoneinfo.ZoneInfo(zone))
        assert local_start.strftime("%H:%M") in page.locator(
            "[data-testid=session-time]").inner_text()
        rows = page.locator("[data-testid=rounds] tbody tr")
        first_interviewer = rows.nth(0).locator("td").nth(2).inner_text()
        second_interviewer = rows.nth(1).locator("td").nth(2).inner_text()
        assert (first_interviewer == "You") != (second_interviewer == "You")
        assert "both target" in page.locator("[data-testid=explanation]").inner_text()
        ics = page.request.get(f"/mocks/session/{session.pk}/calendar.ics")
        assert ics.ok
        (event,) = Calendar.from_ical(ics.body()).walk("VEVENT")
        events[username] = event
        page.context.close()

    assert events["candidate"]["uid"] == events["peer"]["uid"]
    assert events["candidate"].decoded("dtstart") == session.starts_at
    assert session.starts_at == slot + timedelta(hours=1)
