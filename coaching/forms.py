from __future__ import annotations

from django import forms

from coaching.models import CoachLink


class CoachInviteForm(forms.Form):
    email = forms.EmailField(label="Coach's email", max_length=254, error_messages={
        "required": "Enter your coach's email address.",
        "invalid": "Enter a valid email address, like coach@example.com."})


class SharesForm(forms.Form):
    grades = forms.BooleanField(required=False, label="Grades")
    reports = forms.BooleanField(required=False, label="Session reports")
    transcripts = forms.BooleanField(required=False, label="Transcripts and recordings")
    upcoming = forms.BooleanField(required=False, label="Upcoming mocks")

    @classmethod
    def for_link(cls, link: CoachLink, data=None):
        initial = {what: getattr(link, f"share_{what}") for what in CoachLink.SHARES}
        return cls(data, initial=initial, prefix=f"link{link.pk}")
