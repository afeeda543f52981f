"""Benchmark recording and transcription through the real pipeline.

    .venv/bin/python bench/transcribe.py              # 10 minutes of speech, pace 8x
    .venv/bin/python bench/transcribe.py --quick      # 1 minute, a smoke run
    WHISPER_DEVICE=cuda .venv/bin/python bench/transcribe.py   # on a GPU machine

espeak-ng speaks a two-person mock (several voices and speeds, --minutes of speech in
all); each speaker's microphone track is encoded as WebM/Opus and cut into 3-second
chunks the way MediaRecorder cuts them. The chunks go through the upload API into
Django's storage, and a real `celery worker -Q transcribe` process (niced, as the
README says to run it) transcribes them with the configured model. Two runs:

  throughput  every chunk of both tracks is uploaded as fast as the API takes them;
              rtf = the round's audio seconds / wall seconds from the first upload to
              the complete transcript (both tracks), wer = word error rate of the
              transcript against the script (both speakers);
  live        chunks arrive on the round's own clock sped up --pace times, as if the
              round ran that much faster; final_delay_s = seconds from the last chunk's
              upload to the complete transcript (transcribed as it came in).

peak_mb is the worker process's peak resident memory (VmHWM) over both runs. The script
creates and drops its own database (mockloop_bench_transcribe) on the loopback
PostgreSQL that scripts/test_services.py runs, uses its own Redis database (--redis-db),
and stops the worker it started. Other processes on the machine share the CPU: the
figures are only as quiet as the machine. The last line is

    RESULT rtf=... wer=... peak_mb=... final_delay_s=...
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
BENCH_DB = "mockloop_bench_transcribe"
CHUNK_SECONDS = 3.0

# What the two people say, in our own words; cycled with different voices and speeds.
QUESTIONS = [
    "Tell me how you would design a search engine for a large online store.",
    "How many requests does the system need to handle at the busiest hour?",
    "Which metric would you show to the product team every week?",
    "What happens when the feature store goes down in the middle of the day?",
    "How would you know that the new model is better than the old one?",
    "Where would you keep the training data, and for how long?",
    "How do you stop a bad model from reaching every user at once?",
    "What would you change if the traffic grew ten times over a year?",
    "How would you explain the ranking to a seller who lost sales?",
    "Which part of this design worries you the most, and why?",
    "How quickly must the results appear after someone types a query?",
    "What would you log so that an engineer can debug a strange result later?",
]
ANSWERS = [
    "Before drawing anything I want to understand who uses the search and what they "
    "expect to find.",
    "I would start with a simple keyword index and add a learned ranking model on top of "
    "it.",
    "A slow model is worse than a simple model that answers quickly, so latency comes "
    "first.",
    "The service falls back to a simple popularity ranking until the store is healthy "
    "again.",
    "I would run an online experiment on a small share of traffic and compare the "
    "purchases.",
    "The raw events go into cheap and durable storage, and we keep a sample for a long "
    "time.",
    "We roll out to one region first and watch the error rate before going further.",
    "I would add more replicas, cache the most common queries and move the heavy work "
    "offline.",
    "We can show which signals raised or lowered the item, in plain words.",
    "The feedback loop worries me, because the model learns from the results it showed "
    "itself.",
    "The first results should appear in well under half a second, even on a slow phone.",
    "Every prediction gets logged with the model version and the features it used.",
]
INTERVIEWER_VOICES = [("en-us", 165), ("en-us+f3", 150), ("en-gb", 160)]
CANDIDATE_VOICES = [("en-us", 150), ("en-gb-x-rp", 170), ("en-us+m3", 160), ("en-us", 185)]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def services_up() -> tuple[str, str]:
    """PostgreSQL and Redis on loopback, started as scripts/test_services.py does (and
    left running, as it leaves them)."""
    module = load_script("scripts/test_services.py", "mockloop_test_services")
    module.ensure_packages()
    return module.ensure_postgres(), module.ensure_redis()


def admin_execute(pg_url: str, *statements: str) -> None:
    import psycopg

    base = pg_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def build_script(minutes: float):
    """Alternate question and answer, voices and speeds cycling, until the speech alone
    lasts `minutes`. Returns (tracks, timeline, round seconds)."""
    import numpy as np

    from tests.recording.speech import RATE, Line, conversation, speak

    lines, speech = [], 0.0
    voices = {"interviewer": itertools.cycle(INTERVIEWER_VOICES),
              "candidate": itertools.cycle(CANDIDATE_VOICES)}
    texts = {"interviewer": itertools.cycle(QUESTIONS), "candidate": itertools.cycle(ANSWERS)}
    role = "interviewer"
    while speech < minutes * 60:
        voice, speed = next(voices[role])
        line = Line(role, next(texts[role]), voice, speed)
        speech += len(speak(line.text, voice=voice, speed=speed)) / RATE
        lines.append(line)
        role = "candidate" if role == "interviewer" else "interviewer"
    tracks, timeline = conversation(lines, gap=0.8)
    seconds = max(len(audio) for audio in tracks.values()) / RATE
    assert all(np.isfinite(a).all() for a in tracks.values())
    return tracks, timeline, seconds, speech


def start_worker(env: dict, workdir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["nice", "-n", "10", PYTHON, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--concurrency", "1", "--queues", "transcribe", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING", "--hostname", f"bench-transcribe-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=open(workdir / "worker.log", "w"), stderr=subprocess.STDOUT)


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Round:
    """A booked mock's round one, both people agreed, ready for uploads."""

    counter = itertools.count(1)

    def __init__(self):
        from django.test import Client

        from accounts.services import user_create
        from interviews import services
        from interviews.models import MockSession
        from tests.interviews.conftest import next_monday_utc, post_request, window
        from tests.recording.conftest import agree_both

        n = next(self.counter)
        users = [user_create(username=f"bench{n}{who}", email=f"bench{n}{who}@example.test",
                             password="bench-password-9", kind="candidate").user
                 for who in ("a", "b")]
        slot = next_monday_utc(hour=6 + 2 * n)
        for user in users:
            post_request(user, [window(slot, 2)])
        services.match_open_requests()
        session = MockSession.objects.filter(participant_a__in=users).get()
        self.round = session.rounds.get(number=1)
        agree_both(self.round, Client)
        self.clients = {}
        for role in ("interviewer", "candidate"):
            client = Client()
            client.force_login(getattr(self.round, role))
            self.clients[role] = client

    def put(self, role: str, seq: int, data: bytes, *, final: bool, started_ms: int) -> None:
        from tests.recording.conftest import put_chunk

        response = put_chunk(self.clients[role], self.round, f"{role}-take", seq, data,
                             final=final, x_recording_started=str(started_ms),
                             x_client_time=str(int(time.time() * 1000)))
        if response.status_code not in (200, 201):
            raise RuntimeError(f"upload refused: {response.status_code} {response.content!r}")

    def wait_complete(self, timeout: float) -> float:
        from interviews.models import RecordingTake

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            takes = list(RecordingTake.objects.filter(round=self.round))
            if any(t.error for t in takes):
                raise RuntimeError(f"transcription failed: {[t.error for t in takes]}")
            if len(takes) == 2 and all(t.transcribed_at for t in takes):
                return time.monotonic()
            time.sleep(0.05)
        raise RuntimeError("the transcript did not complete in time")

    def word_error_rate(self, timeline) -> tuple[float, int]:
        from interviews.models import TranscriptSegment
        from tests.recording.speech import word_error_rate, words

        edits = total = 0
        for role in ("interviewer", "candidate"):
            heard = [w for s in TranscriptSegment.objects.filter(round=self.round, role=role)
                     .order_by("start_seconds") for w in words(s.text)]
            said = [w for line in timeline if line.role == role for w in words(line.text)]
            edits += round(word_error_rate(said, heard) * len(said))
            total += len(said)
        return edits / max(1, total), total


def plan_uploads(chunks: dict[str, list[bytes]]) -> list[tuple[float, str, int, bool]]:
    """(audio time at which the chunk exists, role, seq, final), in time order."""
    plan = [((seq + 1) * CHUNK_SECONDS, role, seq, seq == len(track) - 1)
            for role, track in chunks.items() for seq in range(len(track))]
    return sorted(plan)


def run_throughput(chunks, timeline, seconds: float) -> dict:
    bench_round = Round()
    started_ms = int(time.time() * 1000)
    t0 = time.monotonic()
    for _, role, seq, final in plan_uploads(chunks):
        bench_round.put(role, seq, chunks[role][seq], final=final, started_ms=started_ms)
    uploaded = time.monotonic()
    done = bench_round.wait_complete(timeout=max(600, seconds * 2))
    wer, words = bench_round.word_error_rate(timeline)
    return {"wall": done - t0, "upload": uploaded - t0, "rtf": seconds / (done - t0),
            "wer": wer, "words": words}


def run_live(chunks, seconds: float, pace: float) -> dict:
    bench_round = Round()
    started_ms = int(time.time() * 1000)
    t0 = time.monotonic()
    last = t0
    for at, role, seq, final in plan_uploads(chunks):
        wait = t0 + at / pace - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        bench_round.put(role, seq, chunks[role][seq], final=final, started_ms=started_ms)
        last = time.monotonic()
    done = bench_round.wait_complete(timeout=max(600, seconds))
    return {"final_delay": done - last, "wall": done - t0}


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="speech in all")
    parser.add_argument("--pace", type=float, default=8.0,
                        help="how many times faster than real time the live run's chunks "
                             "arrive")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="one minute of speech")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.quick:
        args.minutes = 1.0
    workdir = Path(tempfile.mkdtemp(prefix="mockloop-bench-transcribe-"))
    worker = None
    pg_url = None
    try:
        pg_url, redis_url = services_up()
        admin_execute(pg_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)",
                      f"CREATE DATABASE {BENCH_DB}")
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env.update({
            "DATABASE_URL": pg_url.rsplit("/", 1)[0] + f"/{BENCH_DB}",
            "REDIS_URL": redis_url.rsplit("/", 1)[0] + f"/{args.redis_db}",
            "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-use-000000",
            "ALLOWED_HOSTS": "testserver,127.0.0.1", "CELERY_EMBEDDED_WORKER": "0",
            "MOCKLOOP_VAR_DIR": str(workdir / "var"), "MEDIA_ROOT": str(workdir / "media"),
            "TRANSCRIBE_SCRATCH_DIR": str(workdir / "scratch"),
            "CHANNEL_LAYER_PREFIX": f"mockloop-bench-{os.getpid()}",
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
        })
        os.environ.clear()
        os.environ.update(env)
        subprocess.run([PYTHON, "-m", "celery", "-A", "config", "purge", "-f", "-Q",
                        "transcribe,celery"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log("migrate and load the bank")
        for command in (["migrate", "--verbosity", "0"], ["load_bank", "--verbosity", "0"]):
            subprocess.run([PYTHON, str(ROOT / "manage.py"), *command], env=env, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
        import django

        django.setup()
        from django.conf import settings

        from interviews.transcription import model_directory
        from tests.recording.speech import encode_webm, split_chunks

        started = time.monotonic()
        tracks, timeline, seconds, speech = build_script(args.minutes)
        chunks = {role: split_chunks(encode_webm(audio), seconds=CHUNK_SECONDS)
                  for role, audio in tracks.items()}
        log(f"{len(timeline)} lines, {speech:.0f} s of speech, a {seconds:.0f} s round, "
            f"{sum(map(len, chunks.values()))} chunks (made in "
            f"{time.monotonic() - started:.0f} s)")

        worker = start_worker(env, workdir)
        log("warming the worker up (model load)")
        warm_tracks, _, warm_seconds, _ = build_script(0.1)
        warm = {role: split_chunks(encode_webm(audio), seconds=CHUNK_SECONDS)
                for role, audio in warm_tracks.items()}
        run_throughput(warm, [], warm_seconds)

        log("throughput run")
        throughput = run_throughput(chunks, timeline, seconds)
        log(f"  {seconds:.0f} s of round in {throughput['wall']:.1f} s "
            f"(uploads took {throughput['upload']:.1f} s): {throughput['rtf']:.1f}x, "
            f"WER {throughput['wer']:.3f} over {throughput['words']} words")
        log(f"live run at {args.pace:g}x real time")
        live = run_live(chunks, seconds, args.pace)
        log(f"  complete {live['final_delay']:.1f} s after the last chunk")
        peak = peak_mb(worker.pid)

        import ctranslate2

        from interviews.transcription import _compute_type

        device = settings.WHISPER_DEVICE
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() else "cpu"
        print(f"model {model_directory()} device={device} "
              f"compute_type={_compute_type(device)} beam={settings.WHISPER_BEAM_SIZE} "
              f"(WHISPER_DEVICE={settings.WHISPER_DEVICE})")
        print(f"round audio {seconds:.0f} s (speech {speech:.0f} s, two tracks), "
              f"{len(timeline)} lines, cpus {os.cpu_count()}, load average "
              f"{os.getloadavg()[0]:.2f}")
        print(f"throughput: {throughput['wall']:.1f} s wall, rtf {throughput['rtf']:.1f}x, "
              f"wer {throughput['wer']:.3f}")
        print(f"live at {args.pace:g}x: final delay {live['final_delay']:.2f} s")
        print(f"worker peak memory {peak:.0f} MB")
        print(f"RESULT rtf={throughput['rtf']:.1f} wer={throughput['wer']:.3f} "
              f"peak_mb={peak:.0f} final_delay_s={live['final_delay']:.1f}")
        return 0
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if pg_url:
            from django.db import connections

            connections.close_all()
            admin_execute(pg_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
