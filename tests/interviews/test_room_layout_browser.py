"""The room is laid out for a design interview: at a laptop's 1366x768 and at 1920x1080
the whiteboard takes most of the window with none of Excalidraw's tools cut off, the bars
and the side panel fit without scrolling the page, and the panel folds away. Screenshots
of each go to var/screenshots/ for a look."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, browser_login, local_only_context
from tests.interviews.test_room_browser import room_session  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ROOT / "var" / "screenshots"
SIZES = [(1366, 768), (1920, 1080)]


def inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_board_takes_most_of_the_window(browser, live_server_url, room_session,  # noqa: F811
                                            width, height):
    round_one = room_session.rounds.get(number=1)
    foreign: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for role in ("interviewer", "candidate"):
        context = local_only_context(browser, live_server_url, foreign,
                                     viewport={"width": width, "height": height},
                                     permissions=["microphone"])
        page = context.new_page()
        browser_login(page, getattr(round_one, role).username)
        page.goto(f"/mocks/session/{room_session.pk}/room/")
        page.wait_for_selector("[data-connection].connected")
        page.wait_for_function("() => window.mockloopBoard !== undefined")
        page.wait_for_selector(".excalidraw .App-toolbar")
        page.screenshot(path=SCREENSHOTS / f"room-{role}-{width}x{height}.png")

        board = page.locator("[data-whiteboard]").bounding_box()
        share = board["width"] * board["height"] / (width * height)
        assert share >= 0.5, f"the {role}'s board has {share:.0%} of the window"
        tools = page.locator(".excalidraw .App-toolbar .ToolIcon, .excalidraw .App-menu_top "
                             "button, .excalidraw .layer-ui__wrapper__footer button")
        assert tools.count() >= 10
        for index in range(tools.count()):
            tool = tools.nth(index)
            if tool.is_visible():
                assert inside(tool.bounding_box(), board), (
                    f"a tool of the {role}'s board is cut off: {tool.get_attribute('title')}")
        # Everything of the room is on screen: the page itself does not scroll.
        assert page.evaluate("document.documentElement.scrollHeight") <= height + 1
        for selector in ("[data-testid=timer]", "[data-testid=voice-state]",
                         "[data-testid=recording]", "[data-testid=room-panel]"):
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= height + 1, selector

        # The side panel folds away, the board takes the width, and the choice stays.
        page.get_by_role("button", name="Hide side panel").click()
        assert not page.locator("[data-testid=room-panel]").is_visible()
        wider = page.locator("[data-whiteboard]").bounding_box()
        assert wider["width"] >= width * 0.9
        page.screenshot(path=SCREENSHOTS / f"room-{role}-{width}x{height}-board-only.png")
        page.reload()
        page.wait_for_selector("[data-connection].connected")
        assert page.get_by_role("button", name="Show side panel").get_attribute(
            "aria-expanded") == "false"
        page.get_by_role("button", name="Show side panel").click()
        assert page.locator("[data-testid=room-panel]").is_visible()
        context.close()
    assert not foreign
