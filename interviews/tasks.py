"""Celery tasks for booking: each loads what it needs and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from interviews import notifications, services
from interviews.models import MockSession


@shared_task(name="interviews.match_open_requests", acks_late=True, time_limit=300)
def match_open_requests() -> int:
    """Book every pair the matcher finds; safe to run twice (requests are locked)."""
    return len(services.match_open_requests())


@shared_task(name="interviews.send_due_reminders", acks_late=True, time_limit=120)
def send_due_reminders() -> int:
    return services.send_due_reminders()


@shared_task(name="interviews.send_session_email", acks_late=True, time_limit=60,
             autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_session_email(session_id: int, kind: str, by_id: int | None) -> None:
    """Email both people about a session change: booked, cancelled, rescheduled or a
    reminder ("reminder:<lead>"). Retries when the mail server is unreachable."""
    session = MockSession.objects.select_related(
        "participant_a__profile", "participant_b__profile").get(pk=session_id)
    by = get_user_model().objects.select_related("profile").get(pk=by_id) if by_id else None
    if kind == "booked":
        notifications.session_booked(session)
    elif kind == "cancelled":
        notifications.session_cancelled(session, by=by)
    elif kind == "rescheduled":
        notifications.session_rescheduled(session, by=by)
    elif kind.startswith("reminder:"):
        notifications.session_reminder(session, lead=kind.split(":", 1)[1])
    else:
        raise ValueError(f"unknown session email {kind!r}")


@shared_task(name="interviews.transcribe_take", acks_late=True, time_limit=15 * 60,
             soft_time_limit=14 * 60)
def transcribe_take(take_id: int) -> int:
    """Transcribe what has arrived of one take (routed to the `transcribe` queue). Safe
    to run twice: the transcript's position moves only forward, with its segments."""
    from interviews import transcription

    transcription.nice_this_thread()
    return transcription.take_transcribe(take_id)


@shared_task(name="interviews.sweep_recordings", acks_late=True, time_limit=120)
def sweep_recordings() -> int:
    """End takes whose browser went quiet and requeue takes a lost task left behind."""
    from interviews import recording, transcription

    recording.takes_end_idle()
    ids = transcription.takes_needing_work()
    from interviews.models import RecordingTake

    RecordingTake.objects.filter(pk__in=ids).update(queued_at=None)
    for take_id in ids:
        recording.queue_transcription(take_id)
    return len(ids)
