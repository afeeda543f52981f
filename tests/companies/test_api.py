"""The read API: companies, questions, filters, and the attempt-first rule."""

from __future__ import annotations

import pytest

from companies.models import Attempt, Question

SECRET_FIELDS = {"solution", "staff_plus", "red_flags", "follow_ups", "probes", "rubric",
                 "answer"}


@pytest.fixture
def question(bank) -> Question:
    return Question.objects.get(slug=Question.objects.filter(type="drill")
                                .order_by("slug").values_list("slug", flat=True)[0])


def test_it_lists_companies_with_their_ladders(client, bank):
    response = client.get("/api/companies/")
    assert response.status_code == 200
    by_slug = {c["slug"]: c for c in response.json()}
    assert len(by_slug) == 15
    assert [level["name"] for level in by_slug["openai"]["ladder"]][:3] == ["IC4", "IC5", "IC6"]
    assert by_slug["openai"]["signature_question"]


def test_it_filters_questions(client, bank):
    body = client.get("/api/questions/?type=drill&limit=100").json()
    assert body["count"] == 8
    assert {q["type"] for q in body["results"]} == {"drill"}
    openai = client.get("/api/questions/?company=openai&limit=200").json()
    assert openai["count"] >= 11
    staff = client.get("/api/questions/?level=staff&limit=200").json()["results"]
    assert staff and all("staff" in q["levels"] for q in staff)


def test_a_bad_filter_gets_a_precise_error(client, bank):
    response = client.get("/api/questions/?type=poetry")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "type" in error["fields"]
    response = client.get("/api/questions/?colour=blue")
    assert response.status_code == 400
    assert "colour" in response.json()["error"]["fields"]


def test_no_solution_before_an_attempt(client, candidate, question):
    anonymous = client.get(f"/api/questions/{question.slug}/").json()
    assert not SECRET_FIELDS & set(anonymous)
    assert anonymous["solution_available"] is False
    client.force_login(candidate)
    before = client.get(f"/api/questions/{question.slug}/").json()
    assert not SECRET_FIELDS & set(before)
    Attempt.objects.create(user=candidate, question=question, text="my working " * 5,
                           numeric_answer=1, numeric_correct=False)
    after = client.get(f"/api/questions/{question.slug}/").json()
    assert after["solution"] == question.solution
    assert after["answer"]["value"] == question.answer_value
    assert after["rubric"]


def test_an_unknown_question_is_a_404_with_the_error_shape(client, bank):
    response = client.get("/api/questions/nope/")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No question 'nope'."


def test_the_openapi_schema_and_docs_are_served_locally(client, bank):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/questions/{slug}/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page and "cdn." not in page and "unpkg" not in page
