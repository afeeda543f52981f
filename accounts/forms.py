from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Profile
from companies.models import Company


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="Used for password resets and mock invitations.")
    kind = forms.ChoiceField(choices=Profile.Kind.choices, initial=Profile.Kind.CANDIDATE,
                             label="I am a")

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
