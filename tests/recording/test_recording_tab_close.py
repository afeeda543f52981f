"""Closing the tab while speaking: what was said up to the last second reaches the
transcript, and the take ends at once instead of waiting for the idle sweep."""

from __future__ import annotations

import numpy as np
import pytest

from tests.recording.conftest import book
from tests.recording.speech import silence, speak, write_wav
from tests.recording.test_recording_browser import open_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCE = "Shard the embeddings by region, then keep the hottest vectors in memory."


@pytest.fixture
def voice(tmp_path):
    """Silence long enough to agree in, then the sentence; looped by the browser."""
    audio = np.concatenate([silence(5.0), speak(SENTENCE), silence(3.0)])
    return write_wav(tmp_path / "candidate.wav", audio)


def test_a_tab_closed_mid_sentence_keeps_what_was_said(
        browser, speaking_browser, voice, live_server_url, celery_worker_process, candidate,
        peer, slot):
    session = book(candidate, peer, slot)
    round_ = session.rounds.get(number=1)
    foreign: list[str] = []
    boss = open_room(browser, live_server_url, round_.interviewer.username, session, foreign)
    seeker = open_room(speaking_browser(voice), live_server_url, round_.candidate.username,
                       session, foreign)
    level = "() => Number(document.querySelector('[data-level]').value)"

    boss.click("[data-rec-agree]")
    # Agree during the silence (a second without sound after the sentence), so the
    # sentence is recorded once, from its start.
    seeker.wait_for_function(f"""() => {{
        const now = performance.now();
        if (({level})() > 0.01) window.lastSound = now;
        return window.lastSound !== undefined && now - window.lastSound > 1000; }}""",
                             timeout=30_000, polling=50)
    seeker.click("[data-rec-agree]")
    seeker.wait_for_selector("[data-recording][data-state=on]")
    seeker.wait_for_function(f"() => ({level})() > 0.05", timeout=20_000, polling=50)
    seeker.wait_for_timeout(2_500)  # "Shard the embeddings by region," is out
    seeker.close(run_before_unload=True)

    boss.goto(f"/mocks/round/{round_.pk}/transcript/")  # which ends the interviewer's take
    # Complete within the worker's time, not after the two-minute idle sweep.
    boss.wait_for_selector("#transcript-body[data-state=complete]", timeout=90_000)
    said = " ".join(boss.locator("[data-testid=transcript] li[data-role=candidate]")
                    .all_text_contents()).lower()
    assert "embedding" in said, said
    assert not foreign
