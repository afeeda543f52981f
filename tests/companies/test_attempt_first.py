"""A question's solution stays hidden, in page and API, until the user saved an attempt."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from companies.models import Attempt, Question


@pytest.fixture
def design(bank) -> Question:
    return Question.objects.filter(type="design").exclude(hints=[]).order_by("slug").first()


@pytest.fixture
def drill(bank) -> Question:
    return Question.objects.filter(type="drill").order_by("slug").first()


def solution_marker(question: Question) -> str:
    # A distinctive run of plain words from the solution that the prompt does not contain.
    for line in question.solution.splitlines():
        for segment in re.split(r"[*_`|#>\[\]()<&\"']", line):
            segment = segment.strip(" -:.,")
            if len(segment) > 30 and segment not in question.prompt:
                return segment[:40].strip()
    raise AssertionError(f"{question.slug} has no distinctive solution line")


def html_text(response) -> str:
    import html
    return html.unescape(response.content.decode())


def test_an_anonymous_visitor_sees_the_prompt_but_not_the_solution(client, design):
    response = client.get(reverse("companies:question", args=[design.slug]))
    assert response.status_code == 200
    page = html_text(response)
    assert design.title in page
    assert solution_marker(design) not in page
    assert design.hints[0] not in page
    assert 'data-testid="solution-locked"' in page


def test_a_user_without_an_attempt_sees_no_solution_and_no_hint(candidate_client, design):
    page = html_text(candidate_client.get(reverse("companies:question", args=[design.slug])))
    assert solution_marker(design) not in page
    assert design.hints[0] not in page


def test_hints_come_one_at_a_time_in_order(candidate_client, design):
    url = reverse("companies:reveal_hint", args=[design.slug])
    first = html_text(candidate_client.post(url, HTTP_HX_REQUEST="true"))
    assert design.hints[0] in first
    if len(design.hints) > 1:
        assert design.hints[1] not in first
        second = html_text(candidate_client.post(url, HTTP_HX_REQUEST="true"))
        assert design.hints[1] in second


def test_asking_past_the_last_hint_is_refused_clearly(candidate_client, design):
    url = reverse("companies:reveal_hint", args=[design.slug])
    for _ in design.hints:
        assert candidate_client.post(url).status_code == 200
    response = candidate_client.post(url)
    assert response.status_code == 400
    assert "already shown" in html_text(response)


def test_a_too_short_attempt_is_refused_and_stores_nothing(candidate_client, design):
    response = candidate_client.post(reverse("companies:attempt", args=[design.slug]),
                                     {"text": "idk"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "at least 20 characters" in html_text(response)
    assert not Attempt.objects.exists()
    assert solution_marker(design) not in html_text(response)


def test_saving_an_attempt_opens_the_solution(candidate_client, candidate, design):
    text = "Clarify the SLO, size the fleet from QPS, then batch and cache prefixes."
    response = candidate_client.post(reverse("companies:attempt", args=[design.slug]),
                                     {"text": text}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert solution_marker(design) in html_text(response)
    attempt = Attempt.objects.get(user=candidate, question=design)
    assert attempt.text == text
    page = html_text(candidate_client.get(reverse("companies:question", args=[design.slug])))
    assert solution_marker(design) in page
    listing = html_text(candidate_client.get(reverse("companies:my_attempts")))
    assert design.title in listing


def test_another_users_attempt_does_not_open_the_solution(client, candidate, outsider, design):
    Attempt.objects.create(user=candidate, question=design, text="x" * 40)
    client.force_login(outsider)
    page = html_text(client.get(reverse("companies:question", args=[design.slug])))
    assert solution_marker(design) not in page
    listing = html_text(client.get(reverse("companies:my_attempts")))
    assert design.title not in listing


def test_a_drill_checks_the_number_against_its_tolerance(candidate_client, candidate, drill):
    url = reverse("companies:attempt", args=[drill.slug])
    low, high = drill.answer_range
    candidate_client.post(url, {"text": "My working: arithmetic from the constraints.",
                                "numeric_answer": (low + high) / 2})
    candidate_client.post(url, {"text": "A second try with a wild estimate of the load.",
                                "numeric_answer": high * 10 + 100})
    results = list(Attempt.objects.filter(user=candidate, question=drill)
                   .order_by("created_at").values_list("numeric_correct", flat=True))
    assert results == [True, False]
    page = html_text(candidate_client.get(reverse("companies:question", args=[drill.slug])))
    assert "within tolerance" in page and "outside tolerance" in page


@pytest.mark.parametrize("value, message", [
    ("", "This field is required"),
    ("lots", "Enter a number"),
])
def test_a_drill_attempt_needs_a_valid_number(candidate_client, drill, value, message):
    response = candidate_client.post(reverse("companies:attempt", args=[drill.slug]),
                                     {"text": "Working written out at some length.",
                                      "numeric_answer": value})
    assert response.status_code == 400
    assert message in html_text(response)
    assert not Attempt.objects.exists()


def test_attempting_needs_an_account(client, design):
    response = client.post(reverse("companies:attempt", args=[design.slug]),
                           {"text": "An answer long enough to be stored."})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Attempt.objects.exists()


def test_an_unknown_question_is_a_404(client, bank):
    assert client.get(reverse("companies:question", args=["no-such-question"])).status_code == 404
