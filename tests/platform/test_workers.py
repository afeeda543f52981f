"""Tasks run on a real Celery worker process through Redis."""

from __future__ import annotations

from config.celery import ping


def test_a_task_runs_on_the_separate_worker(celery_worker_process):
    result = ping.delay("hello")
    reply = result.get(timeout=60)
    assert reply["reply"] == "hello"
    assert reply["pid"] == celery_worker_process.pid


def wait_until_free(queues) -> None:
    """A worker of one process answers pings only between tasks: let it finish any
    transcription an earlier test left it."""
    for queue in queues:
        assert ping.apply_async(args=["free?"], queue=queue).get(timeout=300)["reply"] == "free?"


def test_the_health_check_pings_every_queue_and_names_a_missing_one(
        celery_worker_process, db, client, settings):
    wait_until_free(["celery", "transcribe"])
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
