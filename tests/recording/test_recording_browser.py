"""Two real browsers, each with its own espeak-ng voice as a fake microphone: both agree,
both record, each one's words appear under the right label in both rooms' live
transcript and on the transcript page, whose player plays from a line."""

from __future__ import annotations

import numpy as np
import pytest

from interviews.models import TranscriptSegment
from interviews.selectors import transcript_line_url
from tests.conftest import browser_login, local_only_context
from tests.recording.conftest import book
from tests.recording.speech import silence, speak, write_wav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAID = {
    "interviewer": ("What happens when the feature store goes down?", "en-us+f3",
                    "feature store"),
    "candidate": ("The service falls back to a simple popularity ranking.", "en-us",
                  "popularity ranking"),
}


@pytest.fixture
def voices(tmp_path):
    """A looping WAV per role: a sentence, then a pause long enough to cut after it."""
    files = {}
    for role, (text, voice, _) in SAID.items():
        audio = np.concatenate([silence(0.8), speak(text, voice=voice), silence(4.0)])
        files[role] = write_wav(tmp_path / f"{role}.wav", audio)
    return files


def open_room(chromium, base_url, username, session, foreign):
    context = local_only_context(chromium, base_url, foreign, permissions=["microphone"],
                                viewport={"width": 1280, "height": 900})
    page = context.new_page()
    browser_login(page, username)
    page.goto(f"/mocks/session/{session.pk}/room/")
    page.wait_for_selector("[data-connection].connected")
    return page


def live_line(page, role: str, words: str, timeout: float = 120_000) -> None:
    page.wait_for_function(
        "([label, words]) => [...document.querySelectorAll('[data-live-transcript] li')]"
        ".some(li => li.textContent.includes(label) && li.textContent.toLowerCase()"
        ".includes(words))", arg=[f"{role.upper()}:", words], timeout=timeout)


def test_both_record_and_see_each_other_live_and_on_the_transcript_page(
        speaking_browser, voices, live_server_url, celery_worker_process, candidate, peer,
        slot):
    session = book(candidate, peer, slot)
    round_ = session.rounds.get(number=1)
    foreign: list[str] = []
    pages = {
        role: open_room(speaking_browser(voices[role]), live_server_url,
                        getattr(round_, role).username, session, foreign)
        for role in ("interviewer", "candidate")
    }
    boss, seeker = pages["interviewer"], pages["candidate"]

    # Nothing records until both agree; then both show the indicator.
    boss.click("[data-rec-agree]")
    seeker.wait_for_function("() => document.querySelector('[data-rec-consent]').textContent"
                             ".includes('Your peer agreed')")
    assert seeker.get_attribute("[data-recording]", "data-state") == "off"
    seeker.click("[data-rec-agree]")
    for page in pages.values():
        page.wait_for_selector("[data-recording][data-state=on]")
        assert page.text_content("[data-rec-label]") == "Recording"

    # Each one's words reach both rooms, under the speaker's label.
    for page in pages.values():
        for role, (_, _, words) in SAID.items():
            live_line(page, role, words)

    # Either can pause; the other sees who paused.
    boss.click("[data-rec-pause]")
    seeker.wait_for_selector("[data-recording][data-state=paused]")
    assert "paused by" in seeker.text_content("[data-rec-label]")
    assert boss.is_visible("[data-rec-resume]") and not seeker.is_visible("[data-rec-resume]")
    for page in pages.values():  # each browser told the server its take ended
        page.wait_for_function("() => window.mockloopRecorder.uploads.finalsSent >= 1")

    # The transcript page: both labels, and the player starts at a line.
    boss.goto(f"/mocks/round/{round_.pk}/transcript/")
    boss.wait_for_selector("#transcript-body[data-state=complete]", timeout=60_000)
    lines = boss.locator("[data-testid=transcript] li").all_text_contents()
    for role, (_, _, words) in SAID.items():
        assert any(f"{role.upper()}:" in line and words in line.lower() for line in lines), lines
    candidate_line = boss.locator("[data-testid=transcript] li[data-role=candidate]").first
    start = float(candidate_line.get_attribute("data-start"))
    candidate_line.locator("[data-play]").click()
    states = "() => window.mockloopTranscript.players.map(a => [a.dataset.role, a.readyState, " \
             "a.error && a.error.message, a.paused, a.currentTime, a.src])"
    try:
        boss.wait_for_function("() => window.mockloopTranscript.players.some(a => !a.paused)")
    except Exception:
        raise AssertionError([boss.evaluate(states),
                              boss.text_content("[data-now-playing]")]) from None
    positions = boss.evaluate("() => window.mockloopTranscript.players.map(a => "
                              "[Number(a.dataset.offset), a.currentTime, a.dataset.role])")
    for offset, current, _ in positions:
        if start - offset > -0.5:
            assert abs(current - max(0, start - offset)) < 1.5, positions

    # A grade's citation link opens at its line, ready to play from its time.
    segment = TranscriptSegment.objects.filter(round=round_, role="candidate").first()
    boss.goto(transcript_line_url(segment))
    boss.wait_for_selector(f"#seg-{segment.pk}.current")
    boss.click("[data-play-from]")
    boss.wait_for_function("() => window.mockloopTranscript.players.some(a => !a.paused)")
    assert not foreign
