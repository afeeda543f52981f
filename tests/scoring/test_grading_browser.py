"""Two people grade a round in real browsers: the interviewer cites transcript lines, the
candidate self-grades blind, both see the comparison and the report; the Markdown export
holds what the page shows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from interviews import services
from interviews.models import InterviewerNotes, MockSession
from tests.conftest import browser_login, local_only_context
from tests.scoring.conftest import add_segment, move_to_past, post_request, window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def graded_round(transactional_db, candidate, peer, slot):
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()
    session = move_to_past(MockSession.objects.get())
    round_ = session.rounds.get(number=1)
    add_segment(round_, "interviewer", 0, "Design a feed ranker for ten million users.")
    add_segment(round_, "candidate", 20, "How many requests a second at peak?")
    add_segment(round_, "candidate", 130, "Then about 460 requests a second, one cluster.")
    InterviewerNotes.objects.create(round=round_, text="Sized it before drawing.")
    return round_


def new_page(browser, base_url, username, foreign):
    context = local_only_context(browser, base_url, foreign,
                                 viewport={"width": 1400, "height": 900})
    page = context.new_page()
    browser_login(page, username)
    return page


def wait_for_htmx_to_settle(page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


def fill_grade(page, *, did_well: str, level: str, first_altitude: str, rest: str) -> None:
    page.fill("textarea[name=did_well-0-text]", did_well)
    page.fill("textarea[name=missing-0-text]", "No cost to the team came up.")
    page.select_option("select[name=level]", level)
    page.check("input[name=decision][value=yes]")
    page.fill("textarea[name=swing]", "The team's on-call cost would have moved it up.")
    rubric = page.locator("fieldset.rubric-row")
    first = rubric.first
    first.locator(f"input[value={first_altitude}]").check()
    # htmx fetches the descriptor of the picked cell.
    page.wait_for_function("() => document.querySelector('.rubric-row .descriptor')"
                           ".textContent.trim().length > 10")
    for index in range(1, rubric.count()):
        # Each pick swaps in a descriptor and a new suggestion, which moves the rows
        # below: pick the next one once the page has settled, as a person would.
        wait_for_htmx_to_settle(page)
        rubric.nth(index).locator(f"input[value={rest}]").check()
    wait_for_htmx_to_settle(page)
    for key in ("clarify", "quantify", "commit", "drill-deep", "cover-operations"):
        page.check(f"input[name=sg-{key}-answer][value=partly]")
    page.check("input[name=cl-derived-number]")
    page.wait_for_function("() => document.querySelector('[data-testid=suggestion]')"
                           ".textContent.includes('The grading checklist suggests')")


def test_interviewer_and_candidate_grade_compare_and_export(browser, live_server_url,
                                                            graded_round):
    round_ = graded_round
    foreign: list[str] = []
    boss = new_page(browser, live_server_url, round_.interviewer.username, foreign)
    seeker = new_page(browser, live_server_url, round_.candidate.username, foreign)

    # The interviewer finds the round on the dashboard and opens the form.
    boss.goto("/mocks/")
    boss.click(f"[data-testid=awaiting-grade] a[href='/grading/round/{round_.pk}/grade/']")
    boss.wait_for_url(f"**/grading/round/{round_.pk}/grade/")
    # The room notes stay beside the form, private, until the interviewer copies them in.
    assert "Sized it before drawing." in boss.inner_text("[data-testid=room-notes]")
    assert boss.input_value("textarea[name=notes]") == ""
    boss.click("[data-copy-notes]")
    assert boss.input_value("textarea[name=notes]") == "Sized it before drawing."
    boss.click("textarea[name=did_well-0-text]")
    boss.click("[data-cite='00:20']")
    boss.focus("[data-cite='02:10']")
    boss.keyboard.press("Enter")  # citing works from the keyboard too
    assert boss.input_value("input[name=did_well-0-cites]") == "00:20 02:10"
    fill_grade(boss, did_well="Asked for the peak rate, then sized it.", level="E5",
               first_altitude="senior", rest="senior")
    boss.click("[data-testid=submit-grade]")
    boss.wait_for_selector("[data-testid=grade-peer]")
    assert "Waiting for" in boss.inner_text("[data-testid=waiting]")
    citation = boss.locator("[data-testid=grade-peer] a.cite").nth(1)
    assert citation.inner_text() == "[02:10]"

    # The candidate sees none of it until their own grade is in.
    seeker.goto(f"/grading/round/{round_.pk}/")
    assert "It is already in." in seeker.inner_text("[data-testid=waiting]")
    assert "Asked for the peak rate" not in seeker.content()
    seeker.click("[data-testid=grade-link]")
    seeker.wait_for_url(f"**/grading/round/{round_.pk}/grade/")
    fill_grade(seeker, did_well="I asked for the peak rate first.", level="E6",
               first_altitude="staff", rest="senior")
    seeker.click("[data-testid=submit-grade]")
    seeker.wait_for_selector("[data-testid=comparison]")
    assert "Asked for the peak rate, then sized it." in seeker.inner_text(
        "[data-testid=grade-peer]")
    assert "+1" in seeker.inner_text("[data-testid=comparison]")

    # Both see the comparison and the report; the citation opens the transcript line.
    boss.reload()
    assert "I asked for the peak rate first." in boss.inner_text("[data-testid=grade-self]")
    boss.wait_for_selector("[data-testid=comparison]")
    boss.locator("[data-testid=grade-peer] a.cite").nth(1).click()
    boss.wait_for_url("**/transcript/?t=130.0#seg-*")

    # The Markdown export holds what the report page shows, in the notes layout.
    seeker.goto(f"/grading/round/{round_.pk}/")
    markdown = seeker.request.get(f"/grading/round/{round_.pk}/report.md").text()
    for selector in ("[data-testid=grade-peer] [data-testid=did-well] li",
                     "[data-testid=grade-self] [data-testid=did-well] li",
                     "[data-testid=grade-peer] [data-testid=missing] li"):
        text = seeker.locator(selector).first.inner_text().split(" [")[0]
        assert f"- {text}" in markdown
    for heading in ("### What the candidate did well", "### What was missing or under-developed",
                    "### Verdict", "### Rubric", "## Calibration gap", "## Transcript"):
        assert heading in markdown
    assert "**E5** (senior) · Hire" in markdown and "**E6** (staff) · Hire" in markdown
    pdf = seeker.request.get(f"/grading/round/{round_.pk}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert not foreign
