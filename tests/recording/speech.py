"""Speech for tests and the bench: espeak-ng voices, two-speaker conversations laid out
on a timeline, WAV files for Chromium's fake microphone, and WebM/Opus cut into chunks
the way MediaRecorder cuts them (anywhere, even inside an element)."""

from __future__ import annotations

import io
import re
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

RATE = 48_000


def speak(text: str, *, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """espeak-ng's speech as 48 kHz mono float32."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         check=True, capture_output=True).stdout
    return decode(wav)


def decode(data: bytes) -> np.ndarray:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    pieces = []
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(pieces).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def write_wav(path: Path, audio: np.ndarray) -> Path:
    """16-bit 48 kHz mono, what --use-file-for-fake-audio-capture wants."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return path


def encode_webm(audio: np.ndarray, *, bitrate: int = 32_000) -> bytes:
    """Opus in WebM, as a browser records it (20 ms frames)."""
    output = io.BytesIO()
    with av.open(output, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=RATE)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        frame_size = 960
        padded = np.concatenate([audio, np.zeros(-len(audio) % frame_size, np.float32)])
        for index in range(0, len(padded), frame_size):
            frame = av.AudioFrame.from_ndarray(padded[index:index + frame_size].reshape(1, -1),
                                               format="flt", layout="mono")
            frame.sample_rate = RATE
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return output.getvalue()


def split_chunks(data: bytes, *, seconds: float = 3.0, bitrate: int = 32_000) -> list[bytes]:
    """Cut like MediaRecorder with a timeslice: about `seconds` of audio per chunk, at
    byte positions that ignore the element structure; chunk 0 holds the header."""
    step = int(seconds * bitrate / 8)
    first_cluster = data.index(bytes.fromhex("1f43b675"))
    cuts = list(range(first_cluster + step, len(data), step))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@dataclass(frozen=True)
class Line:
    role: str  # interviewer or candidate
    text: str
    voice: str = "en-us"
    speed: int = 160


@dataclass(frozen=True)
class Spoken:
    role: str
    text: str
    start: float
    end: float


def conversation(lines: list[Line], *, gap: float = 0.9,
                 lead: float = 0.5) -> tuple[dict[str, np.ndarray], list[Spoken]]:
    """Each role's microphone track (their lines where they say them, silence while the
    other speaks) and the timeline of who said what when."""
    tracks = {"interviewer": [silence(lead)], "candidate": [silence(lead)]}
    timeline, now = [], lead
    for line in lines:
        audio = speak(line.text, voice=line.voice, speed=line.speed)
        seconds = len(audio) / RATE
        other = "candidate" if line.role == "interviewer" else "interviewer"
        tracks[line.role] += [audio, silence(gap)]
        tracks[other].append(silence(seconds + gap))
        timeline.append(Spoken(line.role, line.text, now, now + seconds))
        now += seconds + gap
    return {role: np.concatenate(parts) for role, parts in tracks.items()}, timeline


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, numbers as Whisper tends to write them."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Levenshtein distance over words, divided by the reference's length."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1] / max(1, len(reference))
