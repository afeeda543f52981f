"""Celery tasks for grading: each loads what it needs and calls a service."""

from __future__ import annotations

from celery import shared_task

from scoring import notifications, services
from scoring.models import Reattempt


@shared_task(name="scoring.send_reattempt_reminders", acks_late=True, time_limit=120)
def send_reattempt_reminders() -> int:
    return services.send_due_reattempt_reminders()


@shared_task(name="scoring.send_reattempt_email", acks_late=True, time_limit=60,
             autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_reattempt_email(reattempt_id: int) -> None:
    """Remind the candidate of a due re-attempt; retried while the mail server is down."""
    reattempt = Reattempt.objects.select_related(
        "candidate__profile", "question", "round").get(pk=reattempt_id)
    notifications.reattempt_due(reattempt)
