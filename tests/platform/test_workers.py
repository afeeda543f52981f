"""Tasks run on a real Celery worker process through Redis."""

from __future__ import annotations

from config.celery import ping


def test_a_task_runs_on_the_separate_worker(celery_worker_process):
    result = ping.delay("hello")
    reply = result.get(timeout=60)
    assert reply["reply"] == "hello"
    assert reply["pid"] == celery_worker_process.pid
