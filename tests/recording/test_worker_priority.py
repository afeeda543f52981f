"""A transcription worker gives way to the rooms: the server's embedded worker nices its
transcribing thread; a worker process of its own keeps the priority it was started with,
which its service unit sets (nice 10, the idle scheduling class)."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = """
import os, threading
import django
django.setup()
from config import celery
from interviews import transcription
if EMBEDDED:
    celery.start_embedded_worker()
transcription.nice_this_thread()
policy = "idle" if os.sched_getscheduler(0) == os.SCHED_IDLE else "normal"
print(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), policy)
"""


def priority_after_nicing(*, embedded: bool) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", TRANSCRIBE_NICE="10")
    result = subprocess.run([sys.executable, "-c", f"EMBEDDED = {embedded}\n{REPORT}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    thread_nice, policy = result.stdout.split()[-2:]
    return int(thread_nice), policy


def test_the_servers_embedded_worker_nices_its_transcribing_thread():
    assert priority_after_nicing(embedded=True) == (10, "normal")


def test_a_worker_of_its_own_keeps_the_priority_it_was_started_with():
    assert priority_after_nicing(embedded=False) == (os.getpriority(os.PRIO_PROCESS, 0),
                                                     "normal")


def test_the_transcription_service_unit_starts_the_worker_niced_and_idle():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "mockloop-transcribe.service")
    assert unit["Service"]["Nice"] == "10"
    assert unit["Service"]["CPUSchedulingPolicy"] == "idle"
    assert unit["Service"]["CPUWeight"] == "1"
    assert "-Q transcribe" in unit["Service"]["ExecStart"]
