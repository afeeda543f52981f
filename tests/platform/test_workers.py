"""Tasks run on a real Celery worker process through Redis."""

from __future__ import annotations

from config.celery import ping


def test_a_task_runs_on_the_separate_worker(celery_worker_process):
    result = ping.delay("hello")
    reply = result.get(timeout=60)
    assert reply["reply"] == "hello"
    assert reply["pid"] == celery_worker_process.pid


def test_the_health_check_pings_every_queue_and_names_a_missing_one(
        celery_worker_process, db, client, settings):
    healthy = client.get("/healthz", {"worker": "1"})
    assert healthy.status_code == 200
    assert healthy.json()["queues"] == {"celery": True, "transcribe": True}

    settings.TRANSCRIBE_QUEUE = "transcribe-on-gpu"  # a queue no running worker consumes
    missing = client.get("/healthz", {"worker": "1"})
    assert missing.status_code == 503
    assert missing.json()["missing"] == ["transcribe-on-gpu"]
    assert client.get("/healthz", {"queue": "celery"}).status_code == 200
    unknown = client.get("/healthz", {"queue": "nope"})
    assert unknown.status_code == 400 and "transcribe-on-gpu" in unknown.json()["error"]
