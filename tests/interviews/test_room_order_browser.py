"""The room page applies events in number order: a missing one is asked for again."""

from __future__ import annotations

import json

import pytest

from tests.conftest import browser_login
from tests.interviews.test_room_browser import room_session  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_page(browser, base_url, username, session, route_socket=None):
    context = browser.new_context(base_url=base_url, permissions=["microphone"])
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.split("/")[2].split(":")[0] in ("127.0.0.1", "localhost")
                  else route.abort())
    if route_socket is not None:
        context.route_web_socket("**/ws/room/**", route_socket)
    page = context.new_page()
    browser_login(page, username)
    page.goto(f"/mocks/session/{session.pk}/room/")
    page.wait_for_selector("[data-connection].connected")
    return page


def test_a_lost_event_is_fetched_and_events_apply_in_order(browser, live_server_url,
                                                           room_session):  # noqa: F811
    session = room_session
    round_one = session.rounds.get(number=1)
    hints = round_one.question.hints
    sent_by_page: list[dict] = []
    dropped: list[dict] = []

    def lose_the_first_hint(socket):
        server = socket.connect_to_server()

        def from_server(text):
            message = json.loads(text)
            if message.get("kind") == "hint" and not dropped:
                dropped.append(message)  # lost on the way, as over a flaky process hop
                return
            socket.send(text)

        def from_page(text):
            sent_by_page.append(json.loads(text))
            server.send(text)

        server.on_message(from_server)
        socket.on_message(from_page)

    boss = open_page(browser, live_server_url, round_one.interviewer.username, session)
    seeker = open_page(browser, live_server_url, round_one.candidate.username, session,
                       route_socket=lose_the_first_hint)
    boss.locator("[data-reveal='0']").click()
    boss.wait_for_selector("[data-testid=room-hints] li")
    boss.locator("[data-reveal='1']").click()
    boss.wait_for_function(
        "() => document.querySelectorAll('[data-testid=room-hints] li').length === 2")

    # The second hint arrived first; the page waits for the first, asks for it, and then
    # shows both in order.
    seeker.wait_for_function(
        "() => document.querySelectorAll('[data-testid=room-hints] li').length === 2",
        timeout=10_000)
    shown = seeker.locator("[data-testid=room-hints] li").all_inner_texts()
    assert shown == [hints[0], hints[1]]
    assert len(dropped) == 1 and dropped[0]["payload"]["index"] == 0
    resumes = [m for m in sent_by_page if m["type"] == "resume"]
    assert resumes and resumes[0]["last_seq"] == dropped[0]["seq"] - 1
    boss.context.close()
    seeker.context.close()
