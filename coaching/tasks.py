from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from coaching.models import CoachLink


@shared_task(name="coaching.send_coach_invite", acks_late=True, time_limit=60,
             autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_coach_invite(link_id: int) -> None:
    link = CoachLink.objects.select_related("candidate__profile").get(pk=link_id)
    if link.status != CoachLink.Status.PENDING:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("coaching:accept", args=[link.token])
    name = link.candidate.profile.name
    send_mail(
        subject=f"{name} invites you to coach them on Mockloop",
        message=(f"{name} is preparing for ML systems design interviews on Mockloop and "
                 f"would like you as their coach.\n\nAccept (with a coach account): {url}\n\n"
                 "You will see the grades, reports, transcripts and upcoming mocks they "
                 "choose to share, and can watch mocks they invite you to."),
        from_email=None, recipient_list=[link.invited_email])
