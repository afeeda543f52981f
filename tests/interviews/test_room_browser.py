"""The room in two real browsers: hints, the shared whiteboard, reloads, voice."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from interviews import services
from interviews.models import MockSession
from tests.conftest import browser_login, local_only_context
from tests.interviews.conftest import post_request, window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def room_session(transactional_db, candidate, peer, slot):
    call_command("load_bank", verbosity=0)
    post_request(candidate, [window(slot, 2)], types=("design",))
    post_request(peer, [window(slot, 2)], types=("design",))
    services.match_open_requests()
    return MockSession.objects.get()


def open_room(browser, base_url, username, session, foreign):
    context = local_only_context(browser, base_url, foreign,
                                 viewport={"width": 1440, "height": 900},
                                 permissions=["microphone"])
    page = context.new_page()
    browser_login(page, username)
    page.goto(f"/mocks/session/{session.pk}/room/")
    page.wait_for_selector("[data-connection].connected")
    page.wait_for_function("() => window.mockloopBoard !== undefined")
    return page


def open_both(browser, base_url, round_, foreign):
    """The round's interviewer and candidate, each in a browser of their own, in the room."""
    session = round_.session
    return (open_room(browser, base_url, round_.interviewer.username, session, foreign),
            open_room(browser, base_url, round_.candidate.username, session, foreign))


def draw_rectangle(page, dx: int, dy: int) -> None:
    board = page.locator("[data-whiteboard]").bounding_box()
    # Focus the canvas on an empty spot, away from the toolbars, then pick the tool.
    page.mouse.click(board["x"] + board["width"] - 80, board["y"] + board["height"] - 140)
    page.keyboard.press("r")
    x, y = board["x"] + dx, board["y"] + dy
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y + 60, steps=5)
    page.mouse.up()
    page.keyboard.press("Escape")


def wait_for_shapes(page, count: int) -> None:
    page.wait_for_function(
        f"() => window.mockloopBoard.getElements()"
        f".filter(e => !e.isDeleted && e.type === 'rectangle').length >= {count}",
        timeout=10_000)


def test_two_peers_share_hints_drawing_timer_and_voice(browser, live_server_url,
                                                       room_session, candidate, peer,
                                                       outsider):
    session = room_session
    round_one = session.rounds.get(number=1)
    interviewer = round_one.interviewer.username
    seeker_name = round_one.candidate.username
    foreign: list[str] = []
    boss, seeker = open_both(browser, live_server_url, round_one, foreign)

    # Each sees who is present.
    boss.wait_for_function(f"() => document.querySelector('[data-presence]').textContent"
                           f".includes('{seeker_name}')")
    seeker.wait_for_function(f"() => document.querySelector('[data-presence]').textContent"
                             f".includes('{interviewer}')")

    # The candidate never gets the solution or the cockpit.
    question = round_one.question
    assert seeker.locator("[data-testid=cockpit]").count() == 0
    assert question.solution[:60] not in seeker.content()
    assert boss.locator("[data-testid=cockpit]").count() == 1

    # A revealed hint appears for the candidate at once.
    boss.locator("[data-reveal='0']").click()
    seeker.wait_for_selector("[data-testid=room-hints] li", timeout=5_000)
    assert question.hints[0] in seeker.locator("[data-testid=room-hints]").inner_text()

    # A rectangle drawn by one appears on the other; both draw at once and both survive.
    # Drawn right of the style panel that opens on the left when a tool is picked.
    draw_rectangle(boss, 320, 120)
    wait_for_shapes(seeker, 1)
    draw_rectangle(boss, 480, 150)
    draw_rectangle(seeker, 400, 330)
    wait_for_shapes(seeker, 3)
    wait_for_shapes(boss, 3)

    # The clock is the server's: start it, reload, and the phase and running state hold.
    boss.locator("[data-clock='start']").click()
    boss.locator("[data-clock='next_phase']").click()
    # Starting the clock reveals the question: the candidate's page reloads to show it.
    seeker.wait_for_function(
        "() => (document.querySelector('[data-phase-name]') || {textContent: ''})"
        ".textContent.includes('(2/')")
    seeker.reload()
    seeker.wait_for_selector("[data-connection].connected")
    seeker.wait_for_function("() => window.mockloopBoard !== undefined")
    wait_for_shapes(seeker, 3)
    assert "(2/" in seeker.locator("[data-phase-name]").inner_text()
    assert "(paused)" not in seeker.locator("[data-running]").inner_text()

    # The final scene exports as PNG and SVG.
    for kind in ("png", "svg"):
        with seeker.expect_download() as download:
            seeker.locator(f"[data-export='{kind}']").click()
        head = Path(download.value.path()).read_bytes()[:16]
        assert head.startswith(b"\x89PNG") if kind == "png" else b"<svg" in head

    # Voice: the two browsers' WebRTC connection comes up with fake devices.
    for page in (boss, seeker):
        page.wait_for_selector("[data-voice-state][data-state=connected]", timeout=40_000)

    # A third logged-in user is refused.
    third = browser.new_context(base_url=live_server_url)
    stranger = third.new_page()
    browser_login(stranger, outsider.username)
    response = stranger.goto(f"/mocks/session/{session.pk}/room/")
    assert response.status == 404
    third.close()
    boss.context.close()
    seeker.context.close()
    assert not foreign, f"the room requested non-local hosts: {foreign}"


def test_one_person_in_two_tabs_is_one_person_with_one_voice(browser, live_server_url,
                                                             room_session):
    """The newer tab takes the voice (the older says so and stops); the peer sees one
    person throughout; closing the newer tab brings the voice back to the older."""
    session = room_session
    round_one = session.rounds.get(number=1)
    interviewer = round_one.interviewer.username
    foreign: list[str] = []
    first, seeker = open_both(browser, live_server_url, round_one, foreign)
    for page in (first, seeker):
        page.wait_for_selector("[data-voice-state][data-state=connected]", timeout=40_000)

    second = first.context.new_page()  # the same browser, so the same signed-in person
    second.goto(f"/mocks/session/{session.pk}/room/")
    second.wait_for_selector("[data-connection].connected")
    first.wait_for_selector("[data-testid=voice-moved]:visible", timeout=10_000)
    assert first.get_attribute("[data-voice-state]", "data-state") == "moved"
    for page in (second, seeker):
        page.wait_for_selector("[data-voice-state][data-state=connected]", timeout=40_000)
    assert seeker.inner_text("[data-presence]") == f"here: {interviewer}"
    assert interviewer not in first.inner_text("[data-presence]")  # not itself

    second.close()
    # The older tab takes the voice back (it reloads to start it) and the call resumes.
    first.wait_for_selector("[data-testid=voice-moved]", state="hidden", timeout=20_000)
    for page in (first, seeker):
        page.wait_for_selector("[data-voice-state][data-state=connected]", timeout=40_000)
    assert seeker.inner_text("[data-presence]") == f"here: {interviewer}"
    assert not foreign


def test_the_interviewer_ends_the_round_early_and_both_can_grade(browser, live_server_url,
                                                                 room_session):
    """Before the end the grade form says when grading opens; the interviewer ends the
    round from the room (after a confirmation), both are told, and both can grade."""
    session = room_session
    round_one = session.rounds.get(number=1)
    foreign: list[str] = []
    boss, seeker = open_both(browser, live_server_url, round_one, foreign)
    grade_page = seeker.context.new_page()
    grade_page.goto(f"/grading/round/{round_one.pk}/grade/")
    assert "self-grade opens once the round has started (at" in grade_page.inner_text("main")

    boss.locator("[data-clock='start']").click()
    # Starting the clock reveals the question: the candidate's page reloads to show it.
    seeker.wait_for_function("() => document.querySelector('[data-connection].connected')"
                             " && !document.querySelector('[data-running]')"
                             ".textContent.includes('paused')")
    grade_page.goto(f"/grading/round/{round_one.pk}/grade/")
    assert "Grading opens when the round ends, at" in grade_page.inner_text(
        "[data-testid=grading-opens]")
    grade_page.close()
    boss.once("dialog", lambda dialog: dialog.dismiss())  # thought better of it
    boss.locator("[data-clock='end_round']").click()
    boss.wait_for_timeout(500)
    assert seeker.locator("[data-testid=round-ended]").is_hidden()

    messages = []
    boss.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    boss.locator("[data-clock='end_round']").click()
    assert "Grading opens at once" in messages[0]
    for page in (boss, seeker):
        page.wait_for_selector("[data-testid=round-ended]:visible", timeout=10_000)
    seeker.locator("[data-testid=round-ended] a").click()
    seeker.wait_for_url(f"**/grading/round/{round_one.pk}/grade/")
    assert seeker.locator("[data-testid=submit-grade]").is_visible()
    boss.locator("[data-testid=round-ended] a").click()
    boss.wait_for_url(f"**/grading/round/{round_one.pk}/grade/")
    assert boss.locator("[data-testid=submit-grade]").is_visible()
    assert not foreign
