"""Where the source documents are wrong, an item keeps what they say and adds the
correction; the solution shows both, on the question page, in the cockpit and in the API."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from companies.bank_schema import BANK_DIR, BankError, load_bank
from companies.models import Attempt, Question

# slug: (a phrase of what the source says, a phrase of the correction)
KNOWN_ERRORS = {
    "openai-mle-lru-cache-inference-api": ("key % num_shards", "hash ring"),
    "openai-mle-behavioral-researcher-disagreement": ("+1.5%", "+1 percentage point"),
    "mock-transcript-multi-tenant-fine-tuning": ("or 2 at FP8", "hold 10 copies"),
    "mock-transcript-llm-api-100k-rps": ("tens of megabytes", "about 250 MB"),
    "design-challenge-llm-chat-serving-50k-concurrent": ("22,267", "200,000 requests an hour"),
    "concept-ch03-q07-paged-kv-cache": ("2.5 KB", "2.5 MB"),
    "drill-ann-index-pq-compression": ("9.4 GB", "9.6 GB"),
    "debug-war-room-p99-tripled-after-deploy": ("34 points", "31 percentage points"),
    "case-study-enterprise-rag": ("1536 dimensions", "3,072 dimensions"),
}
LRU = "openai-mle-lru-cache-inference-api"


def page_text(response) -> str:
    assert response.status_code == 200
    return " ".join(html.unescape(response.content.decode()).split())


def attempted(user, slug: str) -> Question:
    question = Question.objects.get(slug=slug)
    Attempt.objects.create(user=user, question=question, text="my reasoning " * 5)
    return question


@pytest.mark.parametrize("slug", sorted(KNOWN_ERRORS))
def test_each_known_source_error_is_kept_and_corrected(bank, slug):
    says, correct = KNOWN_ERRORS[slug]
    corrections = Question.objects.get(slug=slug).corrections
    assert any(says in c["source_says"] and correct in c["correct"] for c in corrections), \
        corrections


def test_corrections_are_only_on_items_from_the_documents(bank):
    corrected = Question.objects.exclude(corrections=[])
    assert corrected.count() >= len(KNOWN_ERRORS)
    for question in corrected:
        assert question.provenance["item"] == "documents", question.slug
        for correction in question.corrections:
            assert correction["source_says"] and correction["correct"], question.slug


def test_the_solution_shows_what_the_source_says_and_what_is_correct(candidate_client,
                                                                       candidate, bank):
    question = Question.objects.get(slug=LRU)
    url = reverse("companies:question", args=[question.slug])
    assert 'data-testid="corrections"' not in page_text(candidate_client.get(url))
    attempted(candidate, LRU)
    page = page_text(candidate_client.get(url))
    (correction,) = question.corrections
    shown = page.split('data-testid="corrections"', 1)[1]
    assert (f"The source says {correction['source_says']}; correct: "
            f"{correction['correct']}") in " ".join(shown.replace("<b>", "")
                                                        .replace("</b>", "").split())
    assert page.index("Model solution") < page.index('data-testid="corrections"') < \
        page.index("What a staff+ answer adds")


def test_an_item_without_errors_shows_no_correction(candidate_client, candidate, bank):
    question = attempted(candidate, "concept-ch01-q01-why-a-25-minute-timebox")
    assert not question.corrections
    page = page_text(candidate_client.get(reverse("companies:question", args=[question.slug])))
    assert 'data-testid="corrections"' not in page and "The source says" not in page


def test_the_api_gives_the_corrections_with_the_solution(client, candidate, bank):
    question = Question.objects.get(slug="mock-transcript-multi-tenant-fine-tuning")
    assert "corrections" not in client.get(f"/api/questions/{question.slug}/").json()
    client.force_login(candidate)
    attempted(candidate, question.slug)
    body = client.get(f"/api/questions/{question.slug}/").json()
    assert body["corrections"] == question.corrections
    assert any("FP8" in c["source_says"] for c in body["corrections"])


def test_the_cockpit_shows_the_corrections_under_the_model_solution(client, room_session):
    round_ = room_session.rounds.get(number=1)
    client.force_login(round_.interviewer)
    cockpit = page_text(client.get(f"/mocks/session/{room_session.pk}/room/"))
    cockpit = cockpit.split('data-testid="cockpit"', 1)[1]
    assert "Where the source documents are wrong" in cockpit
    assert "key % num_shards" in cockpit and "hash ring" in cockpit


@pytest.fixture
def room_session(bank, candidate, peer):
    """A booked mock whose first round asks the LRU-cache question; peer interviews."""
    from config.celery import app
    from interviews import services
    from tests.interviews.conftest import next_monday_utc, post_request, window

    app.conf.task_always_eager = True
    try:
        post_request(candidate, [window(next_monday_utc(), 2)])
        post_request(peer, [window(next_monday_utc(), 2)])
        (session,) = services.match_open_requests()
    finally:
        app.conf.task_always_eager = False
    round_ = session.rounds.get(number=1)
    round_.question = Question.objects.get(slug=LRU)
    round_.save(update_fields=["question"])
    return session


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bank"
    shutil.copytree(BANK_DIR, target)
    return target


@pytest.mark.parametrize(("corrections", "field", "problem"), [
    ([{"source_says": "x"}], "corrections[0]", "exactly the keys"),
    ([{"source_says": "x", "correct": ""}], "corrections[0].correct", "required"),
    ([{"source_says": "x", "correct": "y", "why": "z"}], "corrections[0]", "exactly the keys"),
    ([], "corrections", "non-empty list"),
    ("the source is wrong", "corrections", "non-empty list"),
])
def test_the_schema_refuses_a_malformed_correction(bank_copy, corrections, field, problem):
    path = bank_copy / "questions" / "openai-mle.yaml"
    data = yaml.safe_load(path.read_text())
    data["questions"][0]["corrections"] = corrections
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(BankError) as error:
        load_bank(bank_copy)
    assert (error.value.item, error.value.field_name) == (data["questions"][0]["slug"], field)
    assert problem in error.value.problem
