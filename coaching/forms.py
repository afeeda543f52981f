from __future__ import annotations

from django import forms

from coaching.dashboard import PERIOD_LABELS, ROSTER_SORTS, Filters, RosterFilters
from coaching.models import CoachLink


class CoachInviteForm(forms.Form):
    email = forms.EmailField(label="Coach's email", max_length=254, error_messages={
        "required": "Enter your coach's email address.",
        "invalid": "Enter a valid email address, like coach@example.com."})


class SharesForm(forms.Form):
    grades = forms.BooleanField(required=False, label="Grades")
    reports = forms.BooleanField(required=False, label="Session reports")
    transcripts = forms.BooleanField(required=False, label="Transcripts")
    recordings = forms.BooleanField(
        required=False, label="Recordings (your voice; your peer's only where they agreed)")
    upcoming = forms.BooleanField(required=False, label="Upcoming mocks")

    @classmethod
    def for_link(cls, link: CoachLink, data=None):
        initial = {what: getattr(link, f"share_{what}") for what in CoachLink.SHARES}
        return cls(data, initial=initial, prefix=f"link{link.pk}")


class ProgressFilterForm(forms.Form):
    """The period and company filters of a progress page (query parameters)."""

    period = forms.ChoiceField(required=False, choices=list(PERIOD_LABELS.items()),
                               error_messages={"invalid_choice": (
                                   "Choose a period of 30, 90, 180 or 365 days, or all.")})
    company = forms.ChoiceField(required=False, error_messages={
        "invalid_choice": "'%(value)s' is not a company; use a company slug such as meta."})

    def __init__(self, data=None, *, companies):
        super().__init__(data)
        self.companies = {c.slug: c for c in companies}
        self.fields["company"].choices = [("", "All companies")] + [
            (c.slug, c.name) for c in companies]

    def filters(self) -> Filters:
        company = self.companies.get(self.cleaned_data.get("company") or "")
        return Filters(period=self.cleaned_data.get("period") or "all",
                       company_id=company.pk if company else None)


class RosterFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=80, label="Name")
    company = forms.ChoiceField(required=False, label="Target company", error_messages={
        "invalid_choice": "'%(value)s' is not a company; use a company slug such as meta."})
    flagged = forms.BooleanField(required=False, label="Flagged only")
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in ROSTER_SORTS],
                             error_messages={"invalid_choice": (
                                 f"Sort by one of {', '.join(ROSTER_SORTS)}.")})
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")],
                              error_messages={"invalid_choice": "Order is asc or desc."})

    def __init__(self, data=None, *, companies):
        super().__init__(data)
        self.companies = {c.slug: c for c in companies}
        self.fields["company"].choices = [("", "Any company")] + [
            (c.slug, c.name) for c in companies]

    def filters(self) -> RosterFilters:
        company = self.companies.get(self.cleaned_data.get("company") or "")
        return RosterFilters(q=self.cleaned_data.get("q") or "",
                             company_id=company.pk if company else None,
                             flagged=bool(self.cleaned_data.get("flagged")),
                             sort=self.cleaned_data.get("sort") or "name",
                             descending=self.cleaned_data.get("order") == "desc")
