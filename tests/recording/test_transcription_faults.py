"""A transcription worker killed with kill -9, between tasks and in the middle of one,
while a take records: once a worker runs again, the transcript completes within 30 s,
every line once. Real processes on their own broker: a web server taking the uploads, a
default worker running the scheduler (whose sweep requeues what a dead worker left), and
the transcription worker that gets killed; all on the documented default thresholds."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

import numpy as np
import pytest
import redis
from django.conf import settings
from django.test import Client

from interviews.models import RecordingTake, TranscriptSegment
from tests.conftest import ROOT, _test_database_env, _wait_for, free_port
from tests.interviews.test_room_two_processes import session_cookie
from tests.recording.conftest import agree_both_committed, book
from tests.recording.speech import (
    encode_webm,
    silence,
    speak,
    split_chunks,
    word_error_rate,
    words,
)

pytestmark = pytest.mark.django_db(transaction=True)

RECOVERY_GOAL = 30.0  # seconds from a worker running again to the transcript moving on
SENTENCES = [
    "Tell me how you would design a search engine for a large store.",
    "How many requests does the system handle every second?",
    "Which metric would you show to the product team?",
    "A slow model is worse than a simple model that answers quickly.",
    "What happens when the feature store goes down?",
    "The service falls back to a simple popularity ranking.",
]


def own_broker() -> str:
    """A Redis database of this run's own, so no other worker takes these tasks."""
    parts = urlsplit(settings.REDIS_URL)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{15 - database}"))


class Stack:
    def __init__(self, tmp_path):
        self.broker = own_broker()
        redis.Redis.from_url(self.broker).flushdb()
        self.env = {**_test_database_env(), "CELERY_BROKER_URL": self.broker,
                    "CELERY_RESULT_BACKEND": self.broker,
                    "MEDIA_ROOT": str(tmp_path / "media"),
                    "TRANSCRIBE_SCRATCH_DIR": str(tmp_path / "scratch")}
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.port = free_port()
        self.web = self.start([sys.executable, "-m", "uvicorn", "config.asgi:application",
                               "--host", "127.0.0.1", "--port", str(self.port),
                               "--log-level", "warning"])
        self.start(self.celery("celery", "default") + [
            "--beat", "--schedule", str(tmp_path / "beat-schedule")])
        self.transcriber = self.start_transcriber()
        _wait_for(f"http://127.0.0.1:{self.port}/healthz", self.web)

    def celery(self, queue: str, name: str) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
                "--queues", queue, "--hostname", f"faults-{name}-{os.getpid()}@%h"]

    def start(self, command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        self.processes.append(process)
        return process

    def start_transcriber(self) -> subprocess.Popen:
        self.transcriber = self.start(self.celery(settings.TRANSCRIBE_QUEUE, "transcribe"))
        return self.transcriber

    def kill_transcriber(self) -> None:
        os.killpg(self.transcriber.pid, signal.SIGKILL)  # the worker and anything it forked
        self.transcriber.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def stack(transactional_db, tmp_path):
    running = Stack(tmp_path)
    yield running
    running.stop()


class Uploader:
    """A browser's uploads, over HTTP to the stack's web server."""

    def __init__(self, port: int, round_, user, chunks: list[bytes]):
        self.url = f"http://127.0.0.1:{port}/api/rounds/{round_.pk}/recording/take-1"
        csrf = secrets.token_hex(16)
        self.headers = {"Cookie": f"{session_cookie(user)}; csrftoken={csrf}",
                        "X-CSRFToken": csrf, "Content-Type": "audio/webm",
                        "X-Recording-Started": str(int(time.time() * 1000))}
        self.chunks = chunks
        self.sent = 0

    def send_until(self, count: int) -> None:
        while self.sent < count:
            final = self.sent == len(self.chunks) - 1
            headers = {**self.headers, "X-Client-Time": str(int(time.time() * 1000)),
                       **({"X-Final": "1"} if final else {})}
            request = Request(f"{self.url}/{self.sent}/", data=self.chunks[self.sent],
                              headers=headers, method="PUT")
            with urlopen(request, timeout=30) as response:
                assert response.status in (200, 201)
            self.sent += 1


def take() -> RecordingTake:
    return RecordingTake.objects.get(key="take-1")


def wait(condition, timeout: float, what: str, step: float = 0.1) -> float:
    """Seconds until `condition()` held."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)
    return time.monotonic() - started


def test_a_killed_transcription_worker_costs_seconds(stack, candidate, peer, slot):
    round_ = book(candidate, peer, slot).rounds.get(number=1)
    agree_both_committed(round_, Client)
    audio = np.concatenate([part for sentence in SENTENCES
                            for part in (silence(1.2), speak(sentence))] + [silence(1.0)])
    chunks = split_chunks(encode_webm(audio), seconds=1.0)
    uploads = Uploader(stack.port, round_, round_.candidate, chunks)
    third = len(chunks) // 3

    # Killed between tasks: the first third is transcribed, the worker sits idle, dies,
    # and audio goes on arriving; once it runs again it takes up the queue.
    uploads.send_until(third)
    wait(lambda: take().transcribed_seconds > 0, 120, "the first third transcribed")
    wait(lambda: take().lease_until is None and take().queued_at is None, 60, "idle")
    before = take().transcribed_seconds
    stack.kill_transcriber()
    uploads.send_until(2 * third)
    time.sleep(2)
    assert take().transcribed_seconds == before  # nobody else transcribes
    stack.start_transcriber()
    moved = wait(lambda: take().transcribed_seconds > before, 60,
                 "transcription after a worker killed between tasks")
    assert moved < RECOVERY_GOAL, f"took {moved:.1f} s after the restart"

    # Killed in the middle of a run: its hold on the take runs out, the sweep queues the
    # take again, and the new worker transcribes it to the end.
    uploads.send_until(len(chunks))
    wait(lambda: take().lease_until is not None, 60, "a run holding the take", step=0.01)
    stack.kill_transcriber()
    assert take().transcribed_at is None, "the run finished before it could be killed"
    stack.start_transcriber()
    finished = wait(lambda: take().transcribed_at is not None, 90,
                    "transcription after a worker killed mid-run")
    assert finished < RECOVERY_GOAL, f"took {finished:.1f} s after the restart"

    # Every sentence once: nothing lost or repeated by the killed runs.
    segments = list(TranscriptSegment.objects.filter(round=round_).order_by("start_seconds"))
    for earlier, later in itertools.pairwise(segments):
        assert later.start_seconds >= earlier.end_seconds - 0.05, (earlier.text, later.text)
    heard = words(" ".join(segment.text for segment in segments))
    said = words(" ".join(SENTENCES))
    assert abs(len(heard) - len(said)) <= 3, (heard, said)
    assert word_error_rate(said, heard) <= 0.3, (heard, said)
