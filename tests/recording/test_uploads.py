"""Chunk uploads: idempotent, resumable, in order; bad ones refused, storing nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from django.test import Client

from interviews.models import RecordingChunk, RecordingTake, RoundRecording
from tests.conftest import MEDIA_DIR
from tests.recording.conftest import agree_both, client_for, put_chunk
from tests.recording.speech import encode_webm, silence, speak, split_chunks


@pytest.fixture(scope="module")
def chunks():
    """Some seconds of speech as MediaRecorder-like chunks (about one second each)."""
    import numpy as np

    audio = np.concatenate([speak("Let us start with the requirements of the system."),
                            silence(1), speak("Then we estimate the load.")])
    return split_chunks(encode_webm(audio), seconds=1)


@pytest.fixture
def recording(round_one):
    agree_both(round_one, Client)
    return round_one


def stored_files() -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(MEDIA_DIR) for f in files]


def assert_nothing_stored(before: list[str]) -> None:
    assert not RecordingChunk.objects.exists()
    assert stored_files() == before


def test_chunks_append_in_order_and_duplicates_are_stored_once(recording, chunks):
    client = client_for(Client, recording.candidate)
    first = put_chunk(client, recording, "take1", 0, chunks[0])
    assert first.status_code == 201, first.content
    again = put_chunk(client, recording, "take1", 0, chunks[0])
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert RecordingChunk.objects.count() == 1
    take = RecordingTake.objects.get()
    assert (take.role, take.speaker, take.next_seq) == ("candidate", recording.candidate, 1)


def test_early_chunks_are_held_and_the_server_reports_the_gap(recording, chunks):
    client = client_for(Client, recording.interviewer)
    put_chunk(client, recording, "t", 0, chunks[0])
    held = put_chunk(client, recording, "t", 3, chunks[3]).json()
    assert (held["next_seq"], held["held"], held["missing"]) == (1, [3], [1, 2])
    put_chunk(client, recording, "t", 2, chunks[2])
    filled = put_chunk(client, recording, "t", 1, chunks[1]).json()
    assert (filled["next_seq"], filled["held"], filled["missing"]) == (4, [], [])
    status = client.get(f"/api/rounds/{recording.pk}/recording/").json()
    assert status["takes"][0]["next_seq"] == 4
    assert status["takes"][0]["received_seconds"] > 3


def test_the_last_chunk_ends_the_take_even_when_sent_again_as_final(recording, chunks):
    client = client_for(Client, recording.candidate)
    for seq, chunk in enumerate(chunks):
        put_chunk(client, recording, "t", seq, chunk)
    assert RecordingTake.objects.get().ended_at is None
    last = len(chunks) - 1
    response = put_chunk(client, recording, "t", last, chunks[last], final=True)
    assert response.json()["duplicate"] is True
    assert response.json()["ended"] is True
    assert RecordingTake.objects.get().final_seq == last


def test_it_refuses_what_is_not_audio(recording, chunks):
    client = client_for(Client, recording.candidate)
    before = stored_files()
    png = bytes.fromhex("89504e470d0a1a0a") + os.urandom(2000)
    response = put_chunk(client, recording, "t", 0, png)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_audio"
    assert "not a WebM file" in response.json()["error"]["message"]
    text = put_chunk(client, recording, "t", 0, b"hello", content_type="text/plain")
    assert text.status_code == 415
    assert not RecordingTake.objects.exists()
    assert_nothing_stored(before)


def test_it_refuses_a_video(recording, tmp_path):
    video = tmp_path / "v.webm"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5",
                    "-t", "1", "-c:v", "libvpx", "-f", "webm", str(video)], check=True)
    client = client_for(Client, recording.candidate)
    response = put_chunk(client, recording, "t", 0, video.read_bytes())
    assert response.status_code == 400
    assert "not audio" in response.json()["error"]["message"]
    assert not RecordingTake.objects.exists()


def test_it_refuses_a_corrupt_continuation_and_accepts_the_real_one(recording, chunks):
    client = client_for(Client, recording.candidate)
    put_chunk(client, recording, "t", 0, chunks[0])
    before = stored_files()
    garbage = put_chunk(client, recording, "t", 1, os.urandom(4000))
    assert garbage.status_code == 400
    assert garbage.json()["error"]["code"] == "not_audio"
    assert stored_files() == before
    assert RecordingChunk.objects.count() == 1
    assert put_chunk(client, recording, "t", 1, chunks[1]).status_code == 201


def test_damaged_in_transit_is_refused(recording, chunks):
    client = client_for(Client, recording.candidate)
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = put_chunk(client, recording, "t", 0, chunks[0], x_content_sha256=wrong)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "corrupt"
    right = hashlib.sha256(chunks[0]).hexdigest()
    assert put_chunk(client, recording, "t", 0, chunks[0],
                     x_content_sha256=right).status_code == 201


def test_empty_and_oversized_chunks_are_refused(recording, chunks, settings):
    client = client_for(Client, recording.candidate)
    before = stored_files()
    empty = put_chunk(client, recording, "t", 0, b"")
    assert (empty.status_code, empty.json()["error"]["code"]) == (400, "empty")
    settings.RECORDING_CHUNK_MAX_BYTES = 1000
    big = put_chunk(client, recording, "t", 0, chunks[0])
    assert (big.status_code, big.json()["error"]["code"]) == (413, "too_large")
    assert_nothing_stored(before)


def test_sequence_numbers_far_out_of_range_are_refused(recording, chunks, settings):
    client = client_for(Client, recording.candidate)
    put_chunk(client, recording, "t", 0, chunks[0])
    huge = put_chunk(client, recording, "t", 10_000_000, chunks[1])
    assert (huge.status_code, huge.json()["error"]["code"]) == (400, "out_of_range")
    ahead = put_chunk(client, recording, "t", settings.RECORDING_MAX_AHEAD + 5, chunks[1])
    assert ahead.status_code == 400
    assert "chunks from 1 are missing" in ahead.json()["error"]["message"]
    assert RecordingChunk.objects.count() == 1


def test_a_different_body_for_a_stored_chunk_is_a_conflict(recording, chunks):
    client = client_for(Client, recording.candidate)
    put_chunk(client, recording, "t", 0, chunks[0])
    put_chunk(client, recording, "t", 1, chunks[1])
    response = put_chunk(client, recording, "t", 1, chunks[2])
    assert response.status_code == 409
    assert RecordingChunk.objects.count() == 2


def test_it_validates_ownership(round_one, chunks, outsider):
    agree_both(round_one, Client)
    before = stored_files()
    client = client_for(Client, outsider)
    assert put_chunk(client, round_one, "t", 0, chunks[0]).status_code == 404
    assert client.get(f"/api/rounds/{round_one.pk}/recording/").status_code == 404
    assert client.post(f"/api/rounds/{round_one.pk}/recording/agree/").status_code == 404
    assert client.get(f"/api/rounds/{round_one.pk}/transcript/").status_code == 404
    assert_nothing_stored(before)


def test_nothing_is_recorded_before_both_agree(round_one, chunks):
    candidate = client_for(Client, round_one.candidate)
    candidate.post(f"/api/rounds/{round_one.pk}/recording/agree/")
    response = put_chunk(candidate, round_one, "t", 0, chunks[0])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "recording_off")
    assert not RecordingTake.objects.exists()


def test_either_can_pause_and_only_the_one_who_paused_resumes(recording, chunks):
    interviewer = client_for(Client, recording.interviewer)
    candidate = client_for(Client, recording.candidate)
    put_chunk(candidate, recording, "before", 0, chunks[0])
    paused = candidate.post(f"/api/rounds/{recording.pk}/recording/pause/").json()
    assert (paused["on"], paused["paused_by"]) == (False, recording.candidate.pk)
    # A new take is refused while paused; the take recorded before still completes.
    assert put_chunk(interviewer, recording, "new", 0, chunks[0]).status_code == 409
    assert put_chunk(candidate, recording, "before", 1, chunks[1]).status_code == 201
    refused = interviewer.post(f"/api/rounds/{recording.pk}/recording/resume/")
    assert refused.status_code == 403
    resumed = candidate.post(f"/api/rounds/{recording.pk}/recording/resume/").json()
    assert resumed["on"] is True
    assert RoundRecording.objects.get().version == resumed["version"]
    assert put_chunk(interviewer, recording, "new", 0, chunks[0]).status_code == 201


def test_round_two_keeps_the_agreement(recording):
    round_two = recording.session.rounds.get(number=2)
    state = client_for(Client, round_two.candidate).get(
        f"/api/rounds/{round_two.pk}/recording/").json()
    assert state["on"] is True
