"""Links between a candidate and a coach, and what the candidate shares through them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(24)


class CoachLink(models.Model):
    """Started by either side: a candidate invites a coach by email, or a coach hands out
    a link. It is pending until the other side accepts, active until either ends it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for acceptance"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    class Side(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        COACH = "coach", "Coach"

    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="coach_links")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.CASCADE, related_name="candidate_links")
    started_by = models.CharField(max_length=10, choices=Side.choices)
    invited_email = models.EmailField(blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    share_grades = models.BooleanField(default=True)
    share_reports = models.BooleanField(default=True)
    share_transcripts = models.BooleanField(default=True)
    share_upcoming = models.BooleanField(default=True)
    # Recordings carry the peer's voice too: shared only when the candidate says so.
    share_recordings = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    SHARES = ("grades", "reports", "transcripts", "recordings", "upcoming")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "coach"], condition=Q(status="active"),
                name="one_active_link_per_pair"),
            models.CheckConstraint(
                condition=~Q(status="active") | (Q(candidate__isnull=False)
                                                 & Q(coach__isnull=False)),
                name="active_link_has_both_sides"),
        ]

    def __str__(self) -> str:
        return f"{self.coach or self.invited_email} coaches {self.candidate} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def shared(self) -> list[str]:
        return [what for what in self.SHARES if self.shares(what)]

    def shares(self, what: str) -> bool:
        if what not in self.SHARES:
            raise ValueError(f"unknown share {what!r}")
        return self.is_active and getattr(self, f"share_{what}")


class CoachComment(models.Model):
    """A coach's remark on one of their candidate's graded rounds, shown to the candidate
    on the round's report."""

    round = models.ForeignKey("interviews.Round", on_delete=models.CASCADE,
                              related_name="coach_comments")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.coach} on round {self.round_id}"
