"""The pages people use most pass axe-core (vendored from the npm registry) with no serious
or critical violation, and the sign-up and booking forms work from the keyboard alone with
the focus visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, browser_login, local_only_context
from tests.interviews.test_room_browser import room_session  # noqa: F401  (fixture)
from tests.scoring.test_grading_browser import graded_round  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parents[1] / "vendor" / "axe-core" / "axe.min.js").read_text()
# Excalidraw's own interface is a vendored library's; the room's controls around it are ours.
NOT_OURS = ["[data-whiteboard]"]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.evaluate(AXE)  # through the debugging protocol, so the page's CSP allows it
    found = page.evaluate("""async (notOurs) => {
        const result = await axe.run({ exclude: notOurs.map((s) => [s]) });
        return result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
            .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" | ")}`);
    }""", NOT_OURS)
    return found


def assert_accessible(page, what: str = "") -> None:
    found = serious_violations(page)
    assert not found, f"{what or page.url}:\n" + "\n".join(found)


@pytest.fixture
def open_page(browser, live_server_url):
    contexts = []

    def open_as(username: str | None, path: str, ready: str):
        foreign: list[str] = []
        context = local_only_context(browser, live_server_url, foreign,
                                     viewport={"width": 1366, "height": 768},
                                     permissions=["microphone"])
        contexts.append((context, foreign))
        page = context.new_page()
        if username:
            browser_login(page, username)
        page.goto(path)
        page.wait_for_selector(ready)
        return page

    yield open_as
    for context, foreign in contexts:
        context.close()
        assert not foreign


def test_sign_up_and_booking_pass_axe(open_page, candidate):
    page = open_page(None, "/accounts/signup/", "form")
    assert_accessible(page)
    page = open_page(candidate.username, "/mocks/request/new/", "form")
    assert_accessible(page)
    page = open_page(candidate.username, "/mocks/", "main")
    assert_accessible(page)


def test_the_room_passes_axe_for_both_roles(open_page, room_session):  # noqa: F811
    round_one = room_session.rounds.get(number=1)
    for role in ("interviewer", "candidate"):
        page = open_page(getattr(round_one, role).username,
                         f"/mocks/session/{room_session.pk}/room/", "[data-connection].connected")
        page.wait_for_function("() => window.mockloopBoard !== undefined")
        assert_accessible(page, role)


def test_the_grade_form_and_progress_pass_axe(open_page, graded_round):  # noqa: F811
    round_ = graded_round
    page = open_page(round_.interviewer.username, f"/grading/round/{round_.pk}/grade/",
                     "form")
    assert_accessible(page)
    page = open_page(round_.candidate.username, "/coaching/progress/", "main")
    assert_accessible(page)


def test_sign_up_by_keyboard_alone(open_page):
    page = open_page(None, "/accounts/signup/", "form")
    page.locator("form input:visible").first.focus()
    filled = {}
    for _ in range(30):
        focused = page.evaluate("""() => { const e = document.activeElement;
            return [e.tagName, e.type || "", e.name || "",
                    getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]; }""")
        tag, kind, name, outline, width = focused
        if tag == "BUTTON" and kind == "submit":
            break
        assert outline != "none" and width != "0px", f"no visible focus on {name or tag}"
        if tag == "INPUT" and kind in ("text", "email", "password"):
            value = {"username": "keyboard-user", "email": "keys@example.test"}.get(
                name, PASSWORD if kind == "password" else "Keyboard User")
            page.keyboard.type(value)
            filled[name] = value
        page.keyboard.press("Tab")
    else:
        raise AssertionError("the submit button is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/signup/" not in url)
    assert "username" in filled


def tab_through(page, stops: int = 120) -> list[dict]:
    """Press Tab `stops` times from the top of the page; what took the focus each time
    and whether the focus showed."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => {
            const e = document.activeElement;
            const style = getComputedStyle(e);
            const text = (e.textContent || e.name || e.id || "").trim().slice(0, 40);
            return {tag: e.tagName, text,
                    attrs: [...e.attributes].map((a) => a.name).join(" "),
                    inBoard: !!e.closest("[data-whiteboard]"),
                    shown: (style.outlineStyle !== "none" && style.outlineWidth !== "0px")
                           || style.boxShadow !== "none"}; }"""))
    return seen


def test_the_rooms_controls_by_keyboard_with_visible_focus(open_page, room_session):  # noqa: F811
    round_one = room_session.rounds.get(number=1)
    page = open_page(round_one.interviewer.username,
                     f"/mocks/session/{room_session.pk}/room/", "[data-connection].connected")
    page.wait_for_function("() => window.mockloopBoard !== undefined")
    stops = [stop for stop in tab_through(page) if not stop["inBoard"]]
    unseen = [stop for stop in stops if not stop["shown"] and stop["tag"] != "BODY"]
    assert not unseen, unseen
    reached = " ".join(stop["attrs"] for stop in stops)
    for control in ("data-mute", "data-rec-agree", "data-panel-toggle", "data-clock",
                    "data-reveal", "data-notes"):
        assert control in reached, f"{control} is not reachable with Tab"
    # And they act from the keyboard: the clock starts with Enter.
    page.focus("[data-clock=start]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('[data-running]')"
                           ".textContent.includes('paused')")


def test_booking_grading_and_progress_show_the_focus(open_page, graded_round):  # noqa: F811
    round_ = graded_round
    for username, path in ((round_.candidate.username, "/mocks/request/new/"),
                           (round_.interviewer.username, f"/grading/round/{round_.pk}/grade/"),
                           (round_.candidate.username, "/coaching/progress/")):
        page = open_page(username, path, "main")
        stops = tab_through(page, stops=60)
        unseen = [stop for stop in stops if not stop["shown"] and stop["tag"] != "BODY"]
        assert not unseen, (path, unseen)
        assert any(stop["tag"] in ("INPUT", "SELECT", "BUTTON", "TEXTAREA") for stop in stops)
