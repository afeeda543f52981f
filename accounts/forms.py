from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Profile
from companies.models import ALTITUDE_CHOICES, Company


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="Used for password resets and mock invitations.")
    kind = forms.ChoiceField(choices=Profile.Kind.choices, initial=Profile.Kind.CANDIDATE,
                             label="I am a")
    # Filled in by the page from the browser's zone; UTC when the browser tells nothing.
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput(
        attrs={"data-browser-zone": ""}))

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data.get("time_zone") or "UTC"
        return zone if zone in zoneinfo.available_timezones() else "UTC"

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists; "
                                        "log in or reset its password.")
        return email


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=[(tz, tz) for tz in sorted(zoneinfo.available_timezones())],
        help_text="Mock times are shown in this zone.",
    )
    target_companies = forms.ModelMultipleChoiceField(
        queryset=Company.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Profile
        fields = ("display_name", "target_companies", "target_level", "role_track", "time_zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_level"].choices = level_choices(
            self.instance.target_companies.prefetch_related("levels")
            if self.instance.pk else [])
        self.fields["target_level"].help_text = (
            "Named on your target companies' own ladders; choose companies above and save "
            "to see their levels here.")


def level_choices(companies) -> list[tuple[str, str]]:
    """Each altitude with the levels people know it by at their target companies, e.g.
    "Senior: E5 at Meta, L5 at Google"."""
    companies = list(companies)
    choices = []
    for altitude, label in ALTITUDE_CHOICES:
        names = [f"{c.level_for_altitude(altitude)} at {c.name}" for c in companies
                 if any(level.altitude == altitude for level in c.levels.all())]
        choices.append((altitude, f"{label}: {', '.join(names)}" if names else label))
    return choices
