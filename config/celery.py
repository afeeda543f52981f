"""The Celery app, and the worker thread the server runs when no broker is configured."""

from __future__ import annotations

import logging
import os
import threading

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mockloop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)
_embedded_lock = threading.Lock()
_embedded_worker = None


@app.task(name="mockloop.ping")
def ping(payload: str = "pong") -> dict:
    """Round-trip check used by health checks and tests: proves a worker runs tasks."""
    return {"reply": payload, "pid": os.getpid()}


def worker_queues() -> list[str]:
    """Every queue the product uses: the default one and transcription's."""
    from django.conf import settings

    return [app.conf.task_default_queue, settings.TRANSCRIBE_QUEUE]


def embedded_worker_running() -> bool:
    """Is this process the server with its worker inside (the embedded default)?"""
    return _embedded_worker is not None


def start_embedded_worker() -> None:
    """Run a solo-pool worker in a daemon thread of this process (embedded mode only).

    The in-memory broker lives inside one process, so the worker must share the
    server's process; a deployment with REDIS_URL runs `celery worker` instead.
    """
    global _embedded_worker
    from celery.worker import WorkController

    with _embedded_lock:
        if _embedded_worker is not None:
            return
        worker = WorkController(
            app=app,
            pool="solo",
            concurrency=1,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            # Transcription too: the embedded default has no other worker.
            queues=worker_queues(),
        )
        threading.Thread(target=worker.start, name="celery-embedded", daemon=True).start()
        _embedded_worker = worker
        _start_embedded_beat()
        logger.info("started the embedded Celery worker and beat threads (broker %s)",
                    app.conf.broker_url)


def _start_embedded_beat() -> None:
    """The periodic schedule (matching, reminders) as a thread of this process."""
    from celery.beat import EmbeddedService
    from django.conf import settings

    EmbeddedService(app, thread=True,
                    schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILENAME).start()
