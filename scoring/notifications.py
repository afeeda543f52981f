"""Emails about grading, in the reader's time zone (the pattern of interviews.notifications)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from interviews.notifications import local_time
from scoring.models import Reattempt


def reattempt_due(reattempt: Reattempt) -> None:
    user = reattempt.candidate
    if not user.email:
        return
    question = reattempt.question
    report = f"{settings.SITE_URL}{reverse('scoring:round_report', args=[reattempt.round_id])}"
    EmailMessage(
        subject=f"Time to re-attempt: {question.title}",
        body=(f"Your mock of {local_time(user, reattempt.round.starts_at)} graded "
              f"\"{question.title}\" at {reattempt.graded_altitude}, below your "
              f"{reattempt.target_level} target. It is due for a re-attempt now.\n\n"
              f"Your next matched mock will ask it again; to practise it alone first, reread "
              f"only the scenario: {settings.SITE_URL}{question.get_absolute_url()}\n"
              f"The graded report: {report}\n"),
        to=[user.email], from_email=settings.DEFAULT_FROM_EMAIL).send()
