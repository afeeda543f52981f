"""The attempt-first flow in a real browser: timer, hints one by one, then the solution."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from companies.models import Question
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def committed_bank(transactional_db, candidate):
    call_command("load_bank", verbosity=0)
    return Question.objects.filter(type="design").exclude(hints=[]).order_by("slug").first()


def test_a_candidate_works_a_question_attempt_first(page, committed_bank):
    question = committed_bank
    browser_login(page, "candidate")
    page.goto(f"/bank/{question.slug}/")
    timer = page.locator("[data-timer-display]")
    assert timer.inner_text().startswith(str(question.timebox_minutes - 1)) or \
        timer.inner_text().startswith(str(question.timebox_minutes))
    assert page.locator("[data-testid=solution-locked]").is_visible()
    assert page.locator("[data-testid=solution]").count() == 0

    page.get_by_role("button", name="Reveal hint 1").click()
    page.locator("[data-testid=hints] li").first.wait_for()
    assert page.locator("[data-testid=hints] li").count() == 1

    page.fill("#id_text", "Pin the SLO first, then size the fleet, then pick the batching.")
    page.get_by_role("button", name="Save attempt and see the solution").click()
    page.locator("[data-testid=solution]").wait_for()
    assert "Model solution" in page.locator("[data-testid=solution]").inner_text()


def test_the_bank_filters_without_a_page_reload(page, committed_bank):
    page.goto("/bank/")
    count = page.locator("[data-testid=result-count]")
    assert count.inner_text().startswith("133")
    page.select_option("#id_type", "drill")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result-count]').textContent.startsWith('8 ')")
    assert "type=drill" in page.url
