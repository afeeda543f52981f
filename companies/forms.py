from __future__ import annotations

import math

from django import forms

from companies.bank_schema import ALTITUDES, ROLE_TRACKS, TOPICS
from companies.models import Company, Question, QuestionType


class BankFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    company = forms.ChoiceField(required=False)
    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *QuestionType.choices])
    level = forms.ChoiceField(required=False,
                              choices=[("", "Any level")] + [(a, a.capitalize())
                                                             for a in ALTITUDES])
    role_track = forms.ChoiceField(required=False,
                                   choices=[("", "Any role track")] + [(t, t.replace("-", " "))
                                                                        for t in ROLE_TRACKS])
    topic = forms.ChoiceField(required=False,
                              choices=[("", "Any topic")] + [(t, t.replace("-", " "))
                                                              for t in TOPICS])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", "Any company")] + list(
            Company.objects.values_list("slug", "name")
        )


class AttemptForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        label="Your answer",
        min_length=20,
        max_length=20_000,
        error_messages={"min_length": "Write at least 20 characters of your answer before "
                                      "you look at the solution."},
    )
    numeric_answer = forms.FloatField(required=False, label="Your final number")

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        if question.is_drill:
            self.fields["numeric_answer"].required = True
            self.fields["numeric_answer"].label = f"Your final number ({question.answer_unit})"
        else:
            del self.fields["numeric_answer"]

    def clean_numeric_answer(self):
        value = self.cleaned_data.get("numeric_answer")
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError("Enter a finite number.")
        return value
