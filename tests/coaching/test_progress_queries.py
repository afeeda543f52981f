"""The progress page, its exports and API, and the roster run the same number of queries
whether a candidate has a few graded rounds or many."""

from __future__ import annotations

import pytest
from django.utils.text import slugify
from rest_framework.test import APIClient

from accounts.services import profile_for, user_create
from companies.models import Company
from companies.selectors import generic_rubric
from tests.coaching.factories import bulk_history, generic_question, link
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# session and user, the viewer's profile and link, companies and their levels, the bank's
# rubric and self-grade documents, the candidate's profile and target companies, rounds,
# grades, scores, the companies' question types, upcoming rounds and re-attempts
PROGRESS_QUERIES = 15
API_QUERIES = 12  # token-less test client: no session, user or viewer profile reads
# session and user, the viewer's profile, companies and levels, bank documents, links,
# profiles and target companies, activity, no-shows, recent peer grades and their scores
ROSTER_QUERIES = 13


def grow(candidates, interviewer, n):
    meta = Company.objects.get(slug="meta")
    question = generic_question("meta")
    dimensions = [slugify(d["name"]) for d in generic_rubric()]
    for candidate in candidates:
        bulk_history(candidate, interviewer, n=n, company=meta, question=question,
                     dimensions=dimensions)


@pytest.fixture
def roster_of_three(bank, coach, candidate, peer, outsider):
    third = user_create(username="third", email="third@example.test",
                        password=PASSWORD).user
    people = [candidate, outsider, third]
    for person in people:
        profile = profile_for(person)
        profile.target_companies.set(Company.objects.filter(slug__in=["meta", "openai"]))
        link(coach, person)
    return people


@pytest.mark.parametrize("rounds", [3, 60])
def test_the_progress_page_costs_the_same_at_any_history(client, coach, peer, roster_of_three,
                                                         rounds, django_assert_num_queries):
    grow(roster_of_three, peer, rounds)
    candidate = roster_of_three[0]
    client.force_login(coach)
    base = f"/coaching/candidates/{candidate.pk}/progress/"
    with django_assert_num_queries(PROGRESS_QUERIES):
        page = client.get(base)
    assert page.content.decode().count('<tr data-round=') >= rounds  # all rounds shown
    with django_assert_num_queries(PROGRESS_QUERIES):
        assert client.get(base + "report/").status_code == 200
    with django_assert_num_queries(PROGRESS_QUERIES):
        assert client.get(base + "export.csv").content.decode().count("\n") == 1 + 7 * rounds
    api = APIClient()
    api.force_authenticate(coach)
    with django_assert_num_queries(API_QUERIES):
        assert api.get(f"/api/candidates/{candidate.pk}/progress/").json()[
            "graded_rounds"] == rounds
    client.force_login(candidate)  # the candidate's own page: their profile, no link
    with django_assert_num_queries(PROGRESS_QUERIES - 1):
        assert client.get("/coaching/progress/").status_code == 200


@pytest.mark.parametrize("rounds", [3, 60])
def test_the_roster_costs_the_same_at_any_history(client, coach, peer, roster_of_three, rounds,
                                                  django_assert_num_queries):
    grow(roster_of_three, peer, rounds)
    client.force_login(coach)
    with django_assert_num_queries(ROSTER_QUERIES):
        html = client.get("/coaching/roster/").content.decode()
    assert html.count("<tr data-href=") == 3
