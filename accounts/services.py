"""Creating accounts with their profile."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from accounts.models import Profile


def user_create(*, username: str, email: str, password: str, kind: str = "candidate",
                display_name: str = "") -> Profile:
    """Create a user and their profile together."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        return Profile.objects.create(user=user, kind=kind, display_name=display_name)


def profile_for(user) -> Profile:
    """The user's profile, created on first use for accounts made elsewhere (admin). Read
    once per request: the user object keeps it."""
    try:
        return user.profile
    except ObjectDoesNotExist:
        profile, _ = Profile.objects.get_or_create(user=user)
        user.profile = profile
        return profile


def display_name(user) -> str:
    """The name a person chose to be shown by (their login name when they chose none)."""
    try:
        return user.profile.name
    except ObjectDoesNotExist:
        return user.get_username()
