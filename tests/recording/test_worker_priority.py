"""A transcription worker gives way to the room server: its thread is niced, and a worker
process of its own lowers its session (Linux shares the CPU between sessions first) and
takes the idle scheduling class; the server's embedded worker does neither to the server."""

from __future__ import annotations

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
group = open("/proc/self/autogroup").read().split("nice")[1].strip() if os.path.exists(
    "/proc/self/autogroup") else "none"
policy = "idle" if os.sched_getscheduler(0) == os.SCHED_IDLE else "normal"
print(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), group, policy)
"""


def priorities_after_nicing(*, embedded: bool) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", TRANSCRIBE_NICE="10")
    result = subprocess.run([sys.executable, "-c", f"EMBEDDED = {embedded}\n{REPORT}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            start_new_session=True)
    assert result.returncode == 0, result.stderr
    thread_nice, group_nice, policy = result.stdout.split()[-3:]
    return int(thread_nice), group_nice, policy


def test_a_worker_of_its_own_lowers_its_thread_and_its_session():
    thread_nice, group_nice, policy = priorities_after_nicing(embedded=False)
    assert thread_nice == 10
    assert group_nice == ("10" if Path("/proc/self/autogroup").exists() else "none")
    assert policy == "idle"


def test_the_servers_embedded_worker_leaves_the_servers_session_alone():
    thread_nice, group_nice, policy = priorities_after_nicing(embedded=True)
    assert thread_nice == 10
    assert group_nice == ("0" if Path("/proc/self/autogroup").exists() else "none")
    assert policy == "normal"
