"""A user's profile: what they are preparing for, and where they are."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from companies.models import ALTITUDE_CHOICES, Company, RoleTrack


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known time zone (e.g. Europe/Berlin).")


class Profile(models.Model):
    class Kind(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        COACH = "coach", "Coach"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CANDIDATE)
    display_name = models.CharField(max_length=80, blank=True)
    target_companies = models.ManyToManyField(Company, blank=True, related_name="+")
    target_level = models.CharField(
        max_length=12, choices=ALTITUDE_CHOICES, default="senior",
        help_text="On the common scale; each company page shows its own name for it.",
    )
    role_track = models.ForeignKey(
        RoleTrack, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    matching_paused_until = models.DateTimeField(null=True, blank=True)
    matching_pause_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def is_coach(self) -> bool:
        return self.kind == self.Kind.COACH

    def matching_paused(self, now) -> bool:
        return self.matching_paused_until is not None and self.matching_paused_until > now
