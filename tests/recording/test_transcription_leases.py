"""A transcription run's hold on its take is short and renewed while the run lives; a dead
run's hold lapses and never frees a later run's; the transcript page says when audio is
waiting for a worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from interviews.models import RecordingTake
from interviews.transcription import Lease
from tests.recording.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def take(round_one):
    return RecordingTake.objects.create(round=round_one, speaker=round_one.candidate,
                                        role="candidate", key="k", started_at=timezone.now(),
                                        offset_seconds=0)


def held_until(take):
    return RecordingTake.objects.get(pk=take.pk).lease_until


def test_a_living_run_keeps_its_hold(take, settings):
    settings.TRANSCRIBE_LEASE_SECONDS = 0.6
    lease = Lease.claim(take.pk)
    assert lease is not None
    time.sleep(1.5)  # more than twice the hold's length
    assert held_until(take) > timezone.now()
    assert Lease.claim(take.pk) is None, "a second run took a take that is held"
    lease.release()
    assert held_until(take) is None


def test_a_dead_runs_hold_lapses_and_never_frees_the_next(take, settings):
    settings.TRANSCRIBE_LEASE_SECONDS = 0.6
    dead = Lease.claim(take.pk)
    dead.stopped.set()  # its process is gone: nothing renews the hold
    time.sleep(0.8)
    successor = Lease.claim(take.pk)
    assert successor is not None, "the dead run's hold did not lapse"
    dead.release()  # late, from the run that lost it
    assert held_until(take) == successor.until
    successor.release()


def test_the_transcript_page_says_when_audio_waits_for_a_worker(take):
    RecordingTake.objects.filter(pk=take.pk).update(
        received_seconds=30, queued_at=timezone.now() - timedelta(minutes=1))
    client = client_for(Client, take.round.candidate)
    page = client.get(f"/mocks/round/{take.round_id}/transcript/").content.decode()
    assert "Waiting for a transcription worker" in page
    # A worker holding the take is working on it, not missing.
    RecordingTake.objects.filter(pk=take.pk).update(
        lease_until=timezone.now() + timedelta(seconds=10))
    page = client.get(f"/mocks/round/{take.round_id}/transcript/").content.decode()
    assert "Waiting for a transcription worker" not in page
    assert "Transcribing as the audio arrives" in page
