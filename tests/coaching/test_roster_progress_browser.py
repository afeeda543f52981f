"""In Chromium: the progress page draws its charts from local assets only (the `page`
fixture fails on any request to another host), the htmx filters redraw them, and a coach's
roster row opens the candidate's progress.

(Named to sort after test_room_access.py: once the session's Playwright runs, its event loop
lives in the test thread and async_to_sync there fails.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils.text import slugify

from accounts.models import Profile
from companies.models import Company
from companies.selectors import generic_rubric
from tests.coaching.factories import bulk_history, generic_question, graded_round, link
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(transactional_db, candidate, peer, coach):
    call_command("load_bank", verbosity=0)
    profile = Profile.objects.get(user=candidate)
    profile.target_level = "staff"
    profile.save(update_fields=["target_level"])
    profile.target_companies.set(Company.objects.filter(slug__in=["meta", "google"]))
    meta, google = Company.objects.get(slug="meta"), Company.objects.get(slug="google")
    bulk_history(candidate, peer, n=12, company=meta, question=generic_question("meta"),
                 dimensions=[slugify(d["name"]) for d in generic_rubric()], start_days_ago=200)
    graded_round(candidate, peer, company=google, question=generic_question("google"),
                 days_ago=2, peer_verdict="staff", self_verdict="senior",
                 peer_scores={"failure-modes": "junior"})
    link(coach, candidate)
    return candidate


def chart_count(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')]
        .filter((c) => window.Chart && Chart.getChart(c) && c.width > 0).length""")


def test_the_progress_page_draws_its_charts_from_local_assets(page, history):
    browser_login(page, history.username)
    page.goto("/coaching/progress/")
    canvases = page.locator("canvas[data-chart]")
    page.wait_for_function("() => window.Chart && document.querySelector('canvas[data-chart]')"
                           " && Chart.getChart(document.querySelector('canvas[data-chart]'))")
    total = canvases.count()
    assert total == 7 + 4  # one small multiple per dimension, focus, types, gap, self-grade
    assert chart_count(page) == total
    # the charts carry the figures of the tables beside them
    points = page.evaluate("""() => Chart.getChart(
        document.querySelector('canvas[data-chart=calibration]')).data.labels.length""")
    assert points == page.locator("[data-testid=calibration-table] tbody tr").count() == 13

    # the company filter swaps the body through htmx and redraws
    page.select_option("#id_company", "google")
    page.wait_for_function("""() => document.querySelectorAll(
        '[data-testid=dimension-table] tbody tr').length === 1""")
    page.wait_for_function("""() => {
        const chart = Chart.getChart(document.querySelector('canvas[data-chart=calibration]'));
        return chart !== undefined && chart.data.labels.length === 1; }""")
    assert "company=google" in page.url
    assert chart_count(page) == page.locator("canvas[data-chart]").count()

    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    assert page.locator("[data-testid=company-grid]").is_visible()


def test_a_roster_row_opens_the_candidates_progress(page, history, coach):
    browser_login(page, coach.username)
    page.goto("/coaching/roster/")
    page.locator(f"tr[data-candidate='{history.pk}'] td[data-field=mocks]").click()
    page.wait_for_url(f"**/coaching/candidates/{history.pk}/progress/")
    page.wait_for_function("() => window.Chart && Chart.getChart("
                           "document.querySelector('canvas[data-chart=focus]'))")
    assert page.locator("h1").inner_text() == f"Progress of {history.username}"
