"""The transcript page's audio, progress and failures: a chunk the worker cannot read
shows its error and a retry button, and the retry finishes the transcript."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.test import Client

from config.celery import app, ping
from interviews.models import RecordingChunk, RecordingTake
from tests.conftest import MEDIA_DIR
from tests.recording.conftest import agree_both, agree_both_committed, book, client_for, put_chunk
from tests.recording.speech import encode_webm, silence, speak, split_chunks


@pytest.fixture(scope="module")
def chunks():
    audio = np.concatenate([silence(0.5), speak("What happens when the feature store goes "
                                                "down?"), silence(1.0)])
    return split_chunks(encode_webm(audio), seconds=1)


def upload_take(client, round_, chunks, key="take") -> None:
    for seq, chunk in enumerate(chunks):
        response = put_chunk(client, round_, key, seq, chunk, final=seq == len(chunks) - 1)
        assert response.status_code == 201, response.content


def test_the_audio_streams_with_byte_ranges(round_one, chunks):
    agree_both(round_one, Client)
    client = client_for(Client, round_one.candidate)
    upload_take(client, round_one, chunks)
    take = RecordingTake.objects.get()
    whole = client.get(f"/mocks/round/{round_one.pk}/audio/{take.pk}/")
    assert whole.status_code == 200
    assert whole.content == b"".join(chunks)
    part = client.get(f"/mocks/round/{round_one.pk}/audio/{take.pk}/", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(whole.content)}"
    assert part.content == whole.content[10:20]
    peer = client_for(Client, round_one.interviewer)
    assert peer.get(f"/mocks/round/{round_one.pk}/audio/{take.pk}/").status_code == 200


def _consume_transcriptions(active: bool) -> None:
    """Stop or restart the worker's consumption of the transcribe queue (Celery's remote
    control), so the test can change storage before a task runs."""
    ping.delay("ready").get(timeout=60)  # the worker is up and answers
    control = app.control.add_consumer if active else app.control.cancel_consumer
    replies = control("transcribe", reply=True, timeout=10)
    assert replies, "the worker did not answer"


def wait_for_state(client, round_, states, timeout=120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/mocks/round/{round_.pk}/transcript/").content.decode()
        for state in states:
            if f'data-state="{state}"' in body:
                return body
        time.sleep(0.5)
    raise AssertionError(f"the transcript page never showed {states}")


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_cannot_be_read_shows_its_error_and_retry_finishes(
        celery_worker_process, candidate, peer, slot, chunks):
    round_ = book(candidate, peer, slot).rounds.get(number=1)
    agree_both_committed(round_, Client)
    interviewer = client_for(Client, round_.interviewer)
    _consume_transcriptions(False)
    try:
        upload_take(interviewer, round_, chunks)
        stored = MEDIA_DIR / RecordingChunk.objects.get(seq=1).storage_name
        kept = stored.read_bytes()
        stored.unlink()  # storage lost it before the worker got to it
    finally:
        _consume_transcriptions(True)

    page = wait_for_state(interviewer, round_, ["failed", "complete"])
    assert 'data-state="failed"' in page
    assert "Chunk 1 of the interviewer's recording failed: chunk 1 could not be read from " \
           "storage (FileNotFoundError)" in page
    assert 'data-testid="transcript-retry"' in page

    stored.write_bytes(kept)
    retried = interviewer.post(f"/mocks/round/{round_.pk}/transcript/retry/", follow=True)
    assert retried.status_code == 200
    page = wait_for_state(interviewer, round_, ["complete", "failed"])
    assert 'data-state="complete"' in page
    assert "INTERVIEWER:</b> What happens when the feature store goes down?" in page
    take = RecordingTake.objects.get()
    assert take.playback_name  # a seekable copy for the player
    audio = interviewer.get(f"/mocks/round/{round_.pk}/audio/{take.pk}/", HTTP_RANGE="bytes=0-3")
    assert audio.content == bytes.fromhex("1a45dfa3")
