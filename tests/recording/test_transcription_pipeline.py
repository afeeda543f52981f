"""The whole pipeline on a real worker: espeak-ng speech from two speakers, posted as
WebM/Opus chunks (some twice, some out of order, one late) through the upload API, is
transcribed by the bundled Whisper model while it arrives, and the merged transcript
holds every sentence, in order, under the right label, with nothing lost or doubled at
the seams."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from interviews.models import RecordingTake, TranscriptSegment
from interviews.tasks import transcribe_take
from tests.recording.conftest import agree_both_committed, book, client_for, put_chunk
from tests.recording.speech import (
    Line,
    conversation,
    encode_webm,
    split_chunks,
    word_error_rate,
    words,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Sentences the bundled tiny.en model hears well in these voices.
INTERVIEWER, CANDIDATE = "en-us+f3", "en-us"
SCRIPT = [
    Line("interviewer", "Tell me how you would design a search engine for a large store.",
         INTERVIEWER),
    Line("candidate", "How many requests does the system handle every second?", CANDIDATE),
    Line("interviewer", "Which metric would you show to the product team?", INTERVIEWER),
    Line("candidate", "A slow model is worse than a simple model that answers quickly.",
         CANDIDATE),
    Line("interviewer", "What happens when the feature store goes down?", INTERVIEWER),
    Line("candidate", "The service falls back to a simple popularity ranking.", CANDIDATE),
    Line("interviewer", "How would you know that the new model is better?", INTERVIEWER),
    Line("candidate", "We should also log every prediction so we can debug it later.",
         CANDIDATE),
]


def upload_plan(chunks: dict[str, list[bytes]]) -> list[tuple[str, int, bool]]:
    """(role, seq, final) in the order the test sends them: the two tracks interleaved,
    the candidate's chunk 2 twice, its chunks 4 and 5 swapped, the interviewer's chunk 3
    held back until the very end."""
    plan = []
    for seq in range(max(len(c) for c in chunks.values())):
        for role, track in chunks.items():
            if seq < len(track):
                plan.append((role, seq, seq == len(track) - 1))
    plan.insert(plan.index(("candidate", 2, False)) + 1, ("candidate", 2, False))
    four, five = plan.index(("candidate", 4, False)), plan.index(("candidate", 5, False))
    plan[four], plan[five] = plan[five], plan[four]
    plan.remove(("interviewer", 3, False))
    plan.append(("interviewer", 3, False))
    return plan


def wait_for_transcript(client, round_, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/rounds/{round_.pk}/transcript/").json()
        if body["transcription"]["state"] in ("complete", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"transcription did not finish: {body['transcription']}")


def test_speech_posted_in_chunks_comes_back_in_order_under_the_right_labels(
        celery_worker_process, candidate, peer, slot):
    round_ = book(candidate, peer, slot).rounds.get(number=1)
    agree_both_committed(round_, Client)
    tracks, timeline = conversation(SCRIPT)
    chunks = {role: split_chunks(encode_webm(audio), seconds=3) for role, audio in
              tracks.items()}
    clients = {"interviewer": client_for(Client, round_.interviewer),
               "candidate": client_for(Client, round_.candidate)}
    started = int(time.time() * 1000)
    answers = []
    for role, seq, final in upload_plan(chunks):
        response = put_chunk(clients[role], round_, f"{role}-take", seq, chunks[role][seq],
                             final=final, x_recording_started=str(started),
                             x_client_time=str(int(time.time() * 1000)))
        assert response.status_code in (200, 201), response.content
        answers.append((role, seq, response.json()))
        time.sleep(0.4)  # the worker transcribes while the rest arrives

    duplicate = [a for r, s, a in answers if (r, s) == ("candidate", 2)]
    assert [a["duplicate"] for a in duplicate] == [False, True]
    held = next(a for r, s, a in answers if (r, s) == ("interviewer", 4))
    assert held["missing"] == [3]

    body = wait_for_transcript(clients["candidate"], round_)
    assert body["transcription"]["state"] == "complete", body["transcription"]
    # Merged by time, the speakers alternate as in the conversation: one run of lines per
    # turn, under the right label, at the right moment.
    turns = []
    for segment in sorted(body["segments"], key=lambda s: s["start"]):
        if turns and turns[-1]["role"] == segment["role"]:
            turns[-1]["text"] += " " + segment["text"]
        else:
            turns.append(dict(segment))
    assert [t["role"] for t in turns] == [line.role for line in timeline], turns
    shift = turns[0]["start"] - timeline[0].start  # the take began after recording did
    for turn, line in zip(turns, timeline, strict=True):
        assert abs(turn["start"] - shift - line.start) < 1.0, (turn, line)
        # Every sentence is there, whole and once. tiny.en mishears the odd word (and may
        # hear one as two); a stretch lost or repeated at a chunk or window seam would
        # show as missing or extra words.
        heard, said = words(turn["text"]), words(line.text)
        assert abs(len(heard) - len(said)) <= 1, (turn["text"], line.text)
        assert word_error_rate(said, heard) <= 0.35, (turn["text"], line.text)
    # The takes were transcribed in several windows as the audio came in, and the windows
    # tile each take to its last sample.
    for take in RecordingTake.objects.all():
        windows = set(take.segments.values_list("source_key", flat=True))
        assert len(windows) >= 2, take
        assert take.transcribed_seconds >= take.received_seconds - 0.05  # one Opus frame
    # Running a take's task again stores nothing twice.
    count = TranscriptSegment.objects.count()
    for take in RecordingTake.objects.all():
        transcribe_take.delay(take.pk).get(timeout=60)
    assert TranscriptSegment.objects.count() == count
