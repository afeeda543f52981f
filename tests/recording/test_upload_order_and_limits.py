"""Chunks that arrive before chunk 0 count against the take's limits, takes per round are
limited, a take whose chunk 0 never came is swept away with its files, and a take with no
header fails on its own with a clear message."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from interviews import recording, transcription
from interviews.models import RecordingChunk, RecordingTake
from tests.conftest import MEDIA_DIR
from tests.recording.conftest import agree_both, client_for, put_chunk
from tests.recording.speech import encode_webm, silence, speak, split_chunks


@pytest.fixture(scope="module")
def chunks():
    audio = np.concatenate([speak("We size the cache first."), silence(1),
                            speak("Then the ranking service.")])
    return split_chunks(encode_webm(audio), seconds=0.5)


@pytest.fixture
def recording_round(round_one):
    agree_both(round_one, Client)
    return round_one


def test_chunks_ahead_of_chunk_0_count_against_the_take(recording_round, chunks, settings):
    settings.RECORDING_TAKE_MAX_BYTES = len(chunks[1]) + len(chunks[2]) + 10
    client = client_for(Client, recording_round.candidate)
    assert put_chunk(client, recording_round, "early-take", 1, chunks[1]).status_code == 201
    assert put_chunk(client, recording_round, "early-take", 2, chunks[2]).status_code == 201
    refused = put_chunk(client, recording_round, "early-take", 3, chunks[3])
    assert refused.status_code == 413
    assert "size limit" in refused.json()["error"]["message"]
    assert RecordingChunk.objects.count() == 2


def test_takes_per_person_and_round_are_limited(recording_round, chunks, settings):
    settings.RECORDING_TAKES_MAX_PER_ROUND = 2
    client = client_for(Client, recording_round.candidate)
    for key in ("take-one", "take-two"):
        assert put_chunk(client, recording_round, key, 0, chunks[0]).status_code == 201
    third = put_chunk(client, recording_round, "take-three", 0, chunks[0])
    assert third.status_code == 409
    assert "at most 2 recordings" in third.json()["error"]["message"]
    other = client_for(Client, recording_round.interviewer)  # the limit is per person
    assert put_chunk(other, recording_round, "take-one", 0, chunks[0]).status_code == 201


def test_the_sweep_removes_a_take_whose_chunk_0_never_came(recording_round, chunks,
                                                          django_capture_on_commit_callbacks):
    client = client_for(Client, recording_round.candidate)
    put_chunk(client, recording_round, "headless", 1, chunks[1])
    put_chunk(client, recording_round, "headless", 2, chunks[2])
    files = [MEDIA_DIR / c.storage_name for c in RecordingChunk.objects.all()]
    assert all(f.exists() for f in files)
    RecordingTake.objects.update(last_chunk_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows did
        recording.takes_end_idle()
    assert not RecordingTake.objects.exists() and not RecordingChunk.objects.exists()
    assert not any(f.exists() for f in files)


def test_a_take_without_its_header_fails_alone_with_a_clear_message(recording_round, chunks):
    candidate = client_for(Client, recording_round.candidate)
    interviewer = client_for(Client, recording_round.interviewer)
    put_chunk(candidate, recording_round, "headless", 1, chunks[1], final=True)
    for seq, chunk in enumerate(chunks):
        put_chunk(interviewer, recording_round, "whole", seq, chunk,
                  final=seq == len(chunks) - 1)
    headless = RecordingTake.objects.get(key="headless")
    RecordingTake.objects.filter(pk=headless.pk).update(ended_at=timezone.now())
    transcription.take_transcribe(headless.pk)
    headless.refresh_from_db()
    assert "first chunk, which carries its header, never arrived" in headless.error
    whole = RecordingTake.objects.get(key="whole")
    assert whole.error == ""
    page = interviewer.get(f"/mocks/round/{recording_round.pk}/transcript/").content.decode()
    assert "never arrived" in page and "KeyError" not in page


def test_a_new_take_ends_the_persons_open_take(recording_round, chunks):
    """A second tab (or a reload) starts a new take: the person's open take ends at what
    arrived, its late chunks are refused with a reason, and the peer's take is untouched."""
    candidate = client_for(Client, recording_round.candidate)
    interviewer = client_for(Client, recording_round.interviewer)
    for seq in range(3):
        put_chunk(candidate, recording_round, "first-tab", seq, chunks[seq])
    put_chunk(interviewer, recording_round, "peer-take", 0, chunks[0])
    assert put_chunk(candidate, recording_round, "second-tab", 0, chunks[0]).status_code == 201

    first = RecordingTake.objects.get(key="first-tab")
    assert (first.final_seq, first.ended_at is not None) == (2, True)
    late = put_chunk(candidate, recording_round, "first-tab", 3, chunks[3])
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "take_ended"
    assert "newer one of yours" in late.json()["error"]["message"]
    assert RecordingTake.objects.get(key="peer-take").ended_at is None
    assert RecordingTake.objects.get(key="second-tab").ended_at is None
