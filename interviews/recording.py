"""Recording a round: consent and pause, and chunked, idempotent, resumable uploads.

Each participant's browser records its own microphone, so every take has one speaker
and one role. A take is a MediaRecorder stream: a header in chunk 0, then clusters cut
anywhere. Chunks are stored one object each through Django's storage API and appended
to the take in sequence order: a chunk that arrives early is held until the gap before
it fills, a chunk sent twice is stored once, and the answer to every upload lists the
sequence numbers still missing.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from interviews.models import (
    RecordingChunk,
    RecordingTake,
    Round,
    RoundRecording,
    SpeakerRole,
)
from interviews.room import publish_event
from interviews.webm import EBML_MAGIC, StreamCheck, WebMError, check_first_chunk

logger = logging.getLogger(__name__)

TAKE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class RecordingError(Exception):
    """An upload or command that is refused; `code` is machine-readable and `status` the
    HTTP status an API answers with."""

    def __init__(self, code: str, message: str, status: int = 400):
        self.code, self.status = code, status
        super().__init__(message)


def role_in(round_: Round, user) -> str:
    if user.pk == round_.interviewer_id:
        return SpeakerRole.INTERVIEWER
    if user.pk == round_.candidate_id:
        return SpeakerRole.CANDIDATE
    raise RecordingError("not_found", "No such round of yours.", 404)


# --- consent and pause ----------------------------------------------------------------


def recording_state(round_: Round) -> RoundRecording:
    """The round's consent state (unsaved until something changes). Agreement carries
    over from the session's other round: both agreed to record the mock, so round two
    records without asking again."""
    recording = RoundRecording.objects.filter(round=round_).first()
    if recording is not None:
        return recording
    earlier = (RoundRecording.objects.filter(round__session_id=round_.session_id)
               .exclude(round=round_).first())
    recording = RoundRecording(round=round_)
    if earlier is not None and earlier.both_agreed:
        recording.interviewer_agreed_at = recording.candidate_agreed_at = timezone.now()
    return recording


def _locked_state(round_: Round) -> RoundRecording:
    """The round's consent row, created if needed, locked until the transaction ends."""
    state = recording_state(round_)
    if state.pk is None:
        RoundRecording.objects.get_or_create(round=round_, defaults={
            "interviewer_agreed_at": state.interviewer_agreed_at,
            "candidate_agreed_at": state.candidate_agreed_at})
    return RoundRecording.objects.select_for_update().get(round=round_)


def recording_payload(recording: RoundRecording, round_: Round) -> dict:
    """What the room shows: who agreed, whether it is paused (and by whom), whether on."""
    return {
        "round": round_.number, "round_id": round_.pk, "version": recording.version,
        "interviewer_agreed": recording.interviewer_agreed_at is not None,
        "candidate_agreed": recording.candidate_agreed_at is not None,
        "paused_by": recording.paused_by_id, "on": recording.is_on,
    }


RECORDING_ACTIONS = ("agree", "pause", "resume")


def recording_command(*, round_: Round, user, action: str,
                      now: datetime | None = None) -> RoundRecording:
    """A participant agrees to be recorded, pauses the recording or resumes it.

    Recording is on only while both have agreed and nobody has paused. Only the person
    who paused can resume, so one cannot overrule the other's pause."""
    role = role_in(round_, user)
    if action not in RECORDING_ACTIONS:
        raise RecordingError("invalid", f"Recording actions are {', '.join(RECORDING_ACTIONS)}.")
    now = now or timezone.now()
    with transaction.atomic():
        recording = _locked_state(round_)
        was_on = recording.is_on
        if action == "agree":
            field_name = f"{role}_agreed_at"
            if getattr(recording, field_name) is None:
                setattr(recording, field_name, now)
        elif action == "pause":
            if not recording.both_agreed:
                raise RecordingError("invalid", "Recording has not started yet.")
            if recording.paused_by_id is None:
                recording.paused_by = user
        elif recording.paused_by_id is not None:
            if recording.paused_by_id != user.pk:
                raise RecordingError("forbidden", "Only the person who paused the recording "
                                                  "can resume it.", 403)
            recording.paused_by = None
        if recording.is_on and not was_on and recording.origin_at is None:
            recording.origin_at = now
        recording.version += 1
        recording.save(update_fields=["interviewer_agreed_at", "candidate_agreed_at",
                                      "paused_by", "origin_at", "version", "updated_at"])
        publish_event(round_.session_id, "recording", recording_payload(recording, round_),
                      actor=user)
    return recording


# --- chunk uploads --------------------------------------------------------------------


@dataclass
class ChunkResult:
    take: RecordingTake
    seq: int
    duplicate: bool
    held: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        take = self.take
        return {"take": take.key, "seq": self.seq, "duplicate": self.duplicate,
                "next_seq": take.next_seq, "held": self.held, "missing": self.missing,
                "final_seq": take.final_seq, "ended": take.ended_at is not None,
                "received_seconds": round(take.received_seconds, 2)}


def chunk_name(take: RecordingTake, seq: int) -> str:
    return (f"recordings/round-{take.round_id}/user-{take.speaker_id}/{take.key}/"
            f"{seq:06d}.webm")


def chunk_receive(*, round_: Round, user, key: str, seq: int, data: bytes,
                  final: bool = False, started_ms: int | None = None,
                  client_now_ms: int | None = None, sha256: str | None = None,
                  now: datetime | None = None) -> ChunkResult:
    """Store one chunk of the user's take in this round, exactly once.

    `started_ms` and `client_now_ms` are the browser's clock when the recorder started
    and when it sent this chunk; their difference places the take on the server's clock
    however long the chunk was queued offline. A bad chunk is refused with a
    RecordingError and stores nothing."""
    role = role_in(round_, user)
    now = now or timezone.now()
    _check_upload(key, seq, data, sha256)
    digest = hashlib.sha256(data).hexdigest()
    saved_name = None
    try:
        with transaction.atomic():
            take = _take_for_upload(round_, user, role, key, started_ms, client_now_ms, now)
            existing = RecordingChunk.objects.filter(take=take, seq=seq).first()
            if existing is not None:
                if existing.sha256 != digest:
                    raise RecordingError("conflict", f"Chunk {seq} of take {key} was already "
                                                     "stored with different content.", 409)
                if final and take.final_seq is None:
                    _mark_final(take, seq, now)
                return _result(take, seq, duplicate=True)
            _check_place(take, seq, len(data))
            saved_name = default_storage.save(chunk_name(take, seq), ContentFile(data))
            chunk = RecordingChunk.objects.create(take=take, seq=seq, size=len(data),
                                                  sha256=digest, storage_name=saved_name,
                                                  received_at=now)
            if final:
                take.final_seq = seq
            appended = seq == take.next_seq
            if appended:
                _append(take, chunk, data)
                _append_held(take)
            take.last_chunk_at = now
            if take.final_seq is not None and take.next_seq > take.final_seq:
                take.ended_at = take.ended_at or now
            take.save(update_fields=["next_seq", "stream_bytes", "decodable_bytes",
                                     "stream_check", "received_seconds", "final_seq",
                                     "last_chunk_at", "ended_at"])
            if appended or take.ended_at:
                transaction.on_commit(lambda: queue_transcription(take.pk))
            return _result(take, seq, duplicate=False)
    except BaseException:
        if saved_name is not None:
            default_storage.delete(saved_name)
        raise


def _mark_final(take: RecordingTake, seq: int, now: datetime) -> None:
    """The browser resends its last chunk marked final when it stops recording."""
    take.final_seq = seq
    if take.next_seq > seq:
        take.ended_at = now
    take.save(update_fields=["final_seq", "ended_at"])
    if take.ended_at:
        transaction.on_commit(lambda: queue_transcription(take.pk))


def _check_upload(key: str, seq: int, data: bytes, sha256: str | None) -> None:
    if not TAKE_KEY.match(key or ""):
        raise RecordingError("invalid", "A take key is 1 to 40 letters, digits, '-' or '_'.")
    if not 0 <= seq <= settings.RECORDING_MAX_SEQ:
        raise RecordingError("out_of_range", f"Sequence numbers run from 0 to "
                                             f"{settings.RECORDING_MAX_SEQ}.")
    if not data:
        raise RecordingError("empty", "The chunk is empty.")
    if len(data) > settings.RECORDING_CHUNK_MAX_BYTES:
        raise RecordingError("too_large", f"A chunk holds at most "
                                          f"{settings.RECORDING_CHUNK_MAX_BYTES} bytes.", 413)
    if sha256 and sha256.lower() != hashlib.sha256(data).hexdigest():
        raise RecordingError("corrupt", "The chunk does not match its SHA-256: it was "
                                        "damaged on the way; send it again.")
    if seq > 0 and data.startswith(EBML_MAGIC):
        raise RecordingError("not_audio", "Only chunk 0 carries a WebM header; a new "
                                          "recording needs a new take key.")


def _take_for_upload(round_: Round, user, role: str, key: str, started_ms: int | None,
                     client_now_ms: int | None, now: datetime) -> RecordingTake:
    take = (RecordingTake.objects.select_for_update()
            .filter(round=round_, speaker=user, key=key).first())
    if take is not None:
        return take
    recording = _locked_state(round_)
    most = settings.RECORDING_TAKES_MAX_PER_ROUND
    if RecordingTake.objects.filter(round=round_, speaker=user).count() >= most:
        raise RecordingError("too_many_takes", f"A round holds at most {most} recordings of "
                                               "each person; reload the room to go on in "
                                               "one of them.", 409)
    if not recording.is_on:
        raise RecordingError("recording_off", "Recording is not on for this round: both "
                                              "people must agree, and it must not be paused.",
                             409)
    if recording.origin_at is None:  # round two, agreed in round one: its first take
        recording.origin_at = now
        recording.save(update_fields=["origin_at", "updated_at"])
    started_at = now
    if started_ms is not None and client_now_ms is not None:
        # How long ago the recorder started, by the browser's own clock.
        age = (client_now_ms - started_ms) / 1000
        if 0 <= age <= settings.RECORDING_TAKE_MAX_MINUTES * 60:
            started_at = now - timedelta(seconds=age)
    origin = recording.origin_at or now
    offset = max(0.0, (started_at - origin).total_seconds())
    try:
        with transaction.atomic():
            RecordingTake.objects.create(round=round_, speaker=user, role=role, key=key,
                                         started_at=started_at, offset_seconds=offset,
                                         last_chunk_at=now)
    except IntegrityError:
        pass  # a concurrent upload of the same new take created it first
    _end_other_takes(round_, user, key, now)
    return RecordingTake.objects.select_for_update().get(round=round_, speaker=user, key=key)


def _end_other_takes(round_: Round, user, key: str, now: datetime) -> None:
    """A person is recorded once: a new take (another tab, or this one after a reload)
    ends their takes still open in the round at what has arrived, so no stretch of their
    voice is recorded twice."""
    open_takes = (RecordingTake.objects.select_for_update()
                  .filter(round=round_, speaker=user, ended_at__isnull=True).exclude(key=key))
    takes_remove(open_takes.filter(next_seq=0))
    for take in open_takes.exclude(next_seq=0):
        take.final_seq = take.next_seq - 1 if take.final_seq is None else take.final_seq
        take.ended_at = now
        take.save(update_fields=["final_seq", "ended_at"])
        transaction.on_commit(functools.partial(queue_transcription, take.pk))


def _check_place(take: RecordingTake, seq: int, size: int) -> None:
    if take.final_seq is not None and seq > take.final_seq:
        raise RecordingError("take_ended", f"Take {take.key} ended at chunk "
                                           f"{take.final_seq}: its recording stopped, or a "
                                           "newer one of yours in this round took over.",
                             409)
    if seq > take.next_seq + settings.RECORDING_MAX_AHEAD:
        raise RecordingError("out_of_range", f"Chunk {seq} is too far ahead: chunks from "
                                             f"{take.next_seq} are missing; send those first.")
    # Chunks held for a gap count too: they are stored, checked only once the gap fills.
    held = (RecordingChunk.objects.filter(take=take, appended=False)
            .aggregate(total=Sum("size"))["total"] or 0)
    if take.stream_bytes + held + size > settings.RECORDING_TAKE_MAX_BYTES:
        raise RecordingError("too_large", "This take has reached its size limit; start a "
                                          "new take.", 413)


def _append(take: RecordingTake, chunk: RecordingChunk, data: bytes) -> None:
    """Check the chunk as the continuation of the stream and make it part of the take."""
    try:
        if chunk.seq == 0:
            _, stream = check_first_chunk(data)
            _check_decodes(data)
        else:
            stream = StreamCheck.from_json(take.stream_check)
            stream.feed(data)
    except WebMError as exc:
        raise RecordingError("not_audio", f"Chunk {chunk.seq} is not WebM audio "
                                          f"continuing this take: {exc}.") from None
    if stream.seconds > settings.RECORDING_TAKE_MAX_MINUTES * 60:
        raise RecordingError("too_long", f"A take lasts at most "
                                         f"{settings.RECORDING_TAKE_MAX_MINUTES} minutes.", 413)
    take.stream_check = stream.to_json()
    take.stream_bytes += len(data)
    take.decodable_bytes = stream.complete
    take.received_seconds = stream.seconds
    take.next_seq = chunk.seq + 1
    chunk.appended = True
    chunk.save(update_fields=["appended"])


def _check_decodes(data: bytes) -> None:
    """The first chunk stands alone: it must decode to sound, not just look like WebM."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.streams.video or len(container.streams.audio) != 1:
                raise WebMError("expected exactly one audio stream")
            for frame in container.decode(audio=0):
                if frame.samples:
                    return
    except (av.FFmpegError, ValueError) as exc:
        raise WebMError(f"the audio does not decode ({exc})") from None
    raise WebMError("no audio in the first chunk")


def _append_held(take: RecordingTake) -> None:
    """Chunks that arrived early, now that the gap before them is filled."""
    held = {c.seq: c for c in RecordingChunk.objects.filter(take=take, appended=False,
                                                            seq__gte=take.next_seq)}
    while take.next_seq in held:
        chunk = held.pop(take.next_seq)
        with default_storage.open(chunk.storage_name, "rb") as stored:
            data = stored.read()
        try:
            with transaction.atomic():
                _append(take, chunk, data)
        except RecordingError as exc:
            # Held unchecked, found bad now: drop it; it is listed as missing again.
            logger.warning("dropping held chunk %s of take %s: %s", chunk.seq, take.pk, exc)
            chunk.delete()
            transaction.on_commit(lambda name=chunk.storage_name: default_storage.delete(name))
            return


def _result(take: RecordingTake, seq: int, *, duplicate: bool) -> ChunkResult:
    held, missing = chunk_gaps(take)
    return ChunkResult(take=take, seq=seq, duplicate=duplicate, held=held, missing=missing)


def chunk_gaps(take: RecordingTake) -> tuple[list[int], list[int]]:
    """(held, missing): chunks stored but waiting for an earlier one, and the sequence
    numbers the server still needs before the last chunk it knows of."""
    held = list(RecordingChunk.objects.filter(take=take, appended=False)
                .order_by("seq").values_list("seq", flat=True))
    last = max([*held, take.final_seq if take.final_seq is not None else -1])
    have = set(held)
    missing = [s for s in range(take.next_seq, last + 1) if s not in have]
    return held, missing


def queue_transcription(take_id: int) -> None:
    """Queue a transcription run for the take unless one is already waiting (a run
    clears the mark as it starts, so audio arriving during a run queues the next)."""
    from interviews.tasks import transcribe_take

    if RecordingTake.objects.filter(pk=take_id, queued_at__isnull=True).update(
            queued_at=timezone.now()):
        transcribe_take.delay(take_id)


def takes_end_idle(*, now: datetime | None = None) -> list[int]:
    """Takes whose browser went quiet (closed tab, lost network for good) are ended, so
    what arrived gets transcribed to the end. Returns their ids. A quiet take whose first
    chunk never came holds nothing playable: it goes, with its chunks."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RECORDING_IDLE_END_SECONDS)
    idle = RecordingTake.objects.filter(ended_at__isnull=True, last_chunk_at__lt=cutoff)
    takes_remove(idle.filter(next_seq=0))
    ids = list(idle.exclude(next_seq=0).values_list("pk", flat=True))
    RecordingTake.objects.filter(pk__in=ids, ended_at__isnull=True).update(ended_at=now)
    return ids


def takes_remove(takes) -> int:
    """Delete takes with their chunks, rows and stored files."""
    names = list(RecordingChunk.objects.filter(take__in=takes)
                 .values_list("storage_name", flat=True))
    removed, _ = takes.delete()
    for name in names:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return removed


def take_stream(take: RecordingTake, *, upto: int | None = None) -> bytes:
    """The take's audio as one WebM stream: its appended chunks in order."""
    names = (RecordingChunk.objects.filter(take=take, appended=True).order_by("seq")
             .values_list("storage_name", flat=True))
    out = bytearray()
    for name in names:
        with default_storage.open(name, "rb") as stored:
            out += stored.read()
        if upto is not None and len(out) >= upto:
            break
    return bytes(out if upto is None else out[:upto])


# --- reads ------------------------------------------------------------------------------


def takes_of_round(round_: Round) -> list[RecordingTake]:
    return list(RecordingTake.objects.filter(round=round_).order_by("started_at", "id"))


def take_status(take: RecordingTake) -> dict:
    held, missing = chunk_gaps(take)
    return {"take": take.key, "role": take.role, "next_seq": take.next_seq, "held": held,
            "missing": missing, "final_seq": take.final_seq,
            "ended": take.ended_at is not None,
            "received_seconds": round(take.received_seconds, 2),
            "transcribed_seconds": round(take.transcribed_seconds, 2)}


def waiting_for_worker(take: RecordingTake, now: datetime) -> bool:
    """Audio is queued for transcription and no worker has held the take for a while:
    every transcription worker is busy, stopped or gone."""
    since = timedelta(seconds=settings.TRANSCRIBE_LEASE_SECONDS)
    return (take.queued_at is not None and take.queued_at < now - since
            and (take.lease_until is None or take.lease_until < now))


def transcript_progress(takes: list[RecordingTake], *, now: datetime | None = None) -> dict:
    """How far transcription has got: `state` is none, running, complete or failed;
    `waiting_since` is set while audio waits for a transcription worker."""
    now = now or timezone.now()
    received = sum(t.received_seconds for t in takes)
    transcribed = sum(min(t.transcribed_seconds, t.received_seconds) if not t.is_complete
                      else t.received_seconds for t in takes)
    failed = [t for t in takes if t.error]
    working = [t for t in takes if not t.error]
    # A failed take is reported on its own; the other speaker's goes on regardless.
    if not takes:
        state = "none"
    elif any(not t.is_complete for t in working):
        state = "running"
    elif failed:
        state = "failed"
    else:
        state = "complete"
    waiting = [t.queued_at for t in working if not t.is_complete and waiting_for_worker(t, now)]
    return {"state": state, "waiting_since": min(waiting) if waiting else None,
            "received_seconds": round(received, 1),
            "transcribed_seconds": round(transcribed, 1),
            "percent": 100 if state == "complete" or not received
            else min(99, int(100 * transcribed / received)),
            "failures": [{"take": t.key, "role": t.role, "seq": t.error_seq, "error": t.error}
                         for t in failed]}


def interviewer_voice_share(*, round_: Round, share: bool) -> bool:
    """Whether the candidate's coaches may hear the interviewer's takes of this round."""
    consent, _ = RoundRecording.objects.get_or_create(round=round_)
    consent.interviewer_voice_shared_at = timezone.now() if share else None
    consent.save(update_fields=["interviewer_voice_shared_at", "updated_at"])
    return share
