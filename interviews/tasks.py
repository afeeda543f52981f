"""Celery tasks for booking: each loads what it needs and calls a service."""

from __future__ import annotations

from celery import shared_task

from interviews import services


@shared_task(name="interviews.match_open_requests", acks_late=True, time_limit=300)
def match_open_requests() -> int:
    """Book every pair the matcher finds; safe to run twice (requests are locked)."""
    return len(services.match_open_requests())


@shared_task(name="interviews.send_due_reminders", acks_late=True, time_limit=120)
def send_due_reminders() -> int:
    return services.send_due_reminders()
