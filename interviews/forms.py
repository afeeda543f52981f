from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django import forms

from companies.bank_schema import TOPICS
from companies.models import ALTITUDE_CHOICES, Company, RoleTrack
from interviews.models import WantedType
from interviews.services import RequestInput

FOCUS_CHOICES = [(t, t.replace("-", " ")) for t in TOPICS
                 if t not in ("coding", "behavioral", "interview-method")]


class WindowForm(forms.Form):
    """One availability window in the user's own time zone."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
                          help_text="An end earlier than the start means the next day.")

    def to_utc(self, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        start = datetime.combine(data["date"], data["start"], tzinfo=zone)
        end = datetime.combine(data["date"], data["end"], tzinfo=zone)
        if end <= start:
            end += timedelta(days=1)
        return start.astimezone(zoneinfo.ZoneInfo("UTC")), end.astimezone(
            zoneinfo.ZoneInfo("UTC"))


WindowFormSet = forms.formset_factory(WindowForm, extra=3, max_num=10, validate_max=True)


class MockRequestForm(forms.Form):
    companies = forms.ModelMultipleChoiceField(
        queryset=Company.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to practise for any company.")
    target_level = forms.ChoiceField(choices=ALTITUDE_CHOICES)
    role_track = forms.ModelChoiceField(queryset=RoleTrack.objects.all(),
                                        to_field_name="slug", empty_label=None)
    question_types = forms.MultipleChoiceField(
        choices=WantedType.choices, widget=forms.CheckboxSelectMultiple, initial=["any"])
    focus_areas = forms.MultipleChoiceField(
        choices=FOCUS_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Optional: you are matched with peers who share at least one.")


def request_input(form: MockRequestForm, windows: WindowFormSet,
                  zone: zoneinfo.ZoneInfo) -> RequestInput:
    data = form.cleaned_data
    return RequestInput(
        companies=list(data["companies"]), target_level=data["target_level"],
        role_track=data["role_track"], question_types=data["question_types"],
        focus_areas=data["focus_areas"],
        windows=[w.to_utc(zone) for w in windows.forms
                 if w.has_changed() and w.cleaned_data],
    )


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start (your time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class StandbyForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=12, initial=2,
                               label="Stand by for the next (hours)")
