"""Every bank item says where it and each of its parts come from: the source documents, or
written for Mockloop. The schema refuses an item that does not say; the question page,
the interviewer's cockpit and the API show it."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse

from companies import bank_schema
from companies.bank_schema import BANK_DIR, PROVENANCE_PARTS, BankError, load_bank
from companies.models import Attempt, Question

MARK = 'data-testid="written-for-mockloop"'
CONCEPT = "concept-ch01-q01-why-a-25-minute-timebox"
SIGNATURE = "signature-openai-batching-scheduler"


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bank"
    shutil.copytree(BANK_DIR, target)
    return target


def edit_first_question(path: Path, edit) -> str:
    data = yaml.safe_load(path.read_text())
    edit(data["questions"][0])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return data["questions"][0]["slug"]


def page_text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def marked_parts(page: str) -> set[str]:
    parts = set()
    for chunk in page.split(MARK)[1:]:
        parts.add(chunk.split('data-part="', 1)[1].split('"', 1)[0])
    return parts


def as_documents_only(question: Question) -> None:
    question.provenance = {"item": "documents", "note": "",
                           "parts": dict.fromkeys(question.provenance["parts"], "documents")}
    question.save(update_fields=["provenance"])


def test_every_item_says_where_it_and_each_part_come_from(bank):
    for question in Question.objects.all():
        provenance = question.provenance
        assert provenance["item"] in ("documents", "mockloop"), question.slug
        assert {"prompt", "solution", "figures"} <= set(provenance["parts"]), question.slug
        assert set(provenance["parts"]) <= set(PROVENANCE_PARTS), question.slug
        assert set(provenance["parts"].values()) <= {"documents", "mockloop"}, question.slug


def test_a_part_not_named_takes_the_items_source_and_figures_follow_the_solution(bank):
    concept = Question.objects.get(slug=CONCEPT).provenance["parts"]
    assert concept["hints"] == concept["follow_ups"] == "mockloop"
    assert concept["prompt"] == concept["solution"] == concept["figures"] == "documents"
    worked_by_us = Question.objects.get(
        slug="llm-production-q06-deployment-gates-github-actions").provenance["parts"]
    assert worked_by_us["solution"] == worked_by_us["figures"] == "mockloop"
    assert worked_by_us["follow_ups"] == "documents"


def test_the_27_generic_llm_production_answers_are_marked_as_ours(bank):
    ours = Question.objects.filter(collection="llm-production",
                                   provenance__parts__solution="mockloop")
    assert ours.count() == 27
    assert "q01" not in " ".join(ours.values_list("slug", flat=True))


def test_the_schema_refuses_an_item_without_provenance(bank, bank_copy, capsys):
    path = bank_copy / "questions" / "rapid-fire.yaml"
    slug = edit_first_question(path, lambda item: item.pop("provenance"))
    with pytest.raises(BankError) as error:
        load_bank(bank_copy)
    assert (error.value.item, error.value.field_name) == (slug, "provenance")
    assert "documents" in error.value.problem and "mockloop" in error.value.problem
    assert bank_schema.main([str(path)]) == 1
    assert f"rapid-fire.yaml: item '{slug}', field 'provenance'" in capsys.readouterr().out
    with pytest.raises(CommandError, match=rf"{slug}.*'provenance'.*nothing changed|"
                                           rf"nothing changed.*{slug}.*'provenance'"):
        call_command("load_bank", bank_dir=str(bank_copy))


def test_the_schema_refuses_a_source_that_is_neither(bank_copy):
    path = bank_copy / "questions" / "concept.yaml"
    slug = edit_first_question(path, lambda item: item["provenance"].update(hints="ours"))
    with pytest.raises(BankError) as error:
        load_bank(bank_copy)
    assert (error.value.item, error.value.field_name) == (slug, "provenance.hints")
    assert "'ours' is not one of ['documents', 'mockloop']" in str(error.value)


def test_the_schema_refuses_an_unknown_part_and_a_part_the_item_lacks(bank_copy):
    path = bank_copy / "questions" / "capacity-drill.yaml"
    edit_first_question(path, lambda item: item["provenance"].update(diagram="mockloop"))
    with pytest.raises(BankError, match=r"field 'provenance': unknown key\(s\) \['diagram'\]"):
        load_bank(bank_copy)
    shutil.copy(BANK_DIR / "questions" / "capacity-drill.yaml", path)
    edit_first_question(path, lambda item: item["provenance"].update(follow_ups="mockloop"))
    with pytest.raises(BankError, match=r"'provenance.follow_ups': the item has no follow_ups"):
        load_bank(bank_copy)


def test_the_question_page_marks_what_was_written_for_mockloop(candidate_client, candidate,
                                                                 bank):
    question = Question.objects.get(slug=CONCEPT)
    url = reverse("companies:question", args=[question.slug])
    before = page_text(candidate_client.get(url))
    assert 'data-testid="provenance"' in before
    assert "Hints, staff+ notes, red flags, follow-ups, probes; the rest comes from the " \
           "source documents." in " ".join(before.split())
    assert marked_parts(before) == {"item", "hints"}

    Attempt.objects.create(user=candidate, question=question, text="my reasoning " * 5)
    after = page_text(candidate_client.get(url))
    assert marked_parts(after) == {"item", "hints", "staff_plus", "red_flags", "follow_ups",
                                   "probes"}


def test_the_worked_numbers_are_marked_where_the_solution_is_the_documents(candidate_client,
                                                                            candidate, bank):
    question = Question.objects.get(slug="llm-production-q05-cut-serving-cost-30-percent")
    Attempt.objects.create(user=candidate, question=question, text="my reasoning " * 5)
    page = page_text(candidate_client.get(reverse("companies:question", args=[question.slug])))
    assert "figures" in marked_parts(page) and "solution" not in marked_parts(page)
    assert "worked numbers written for Mockloop" in page
    ours = Question.objects.get(slug=SIGNATURE)
    Attempt.objects.create(user=candidate, question=ours, text="my reasoning " * 5)
    page = page_text(candidate_client.get(reverse("companies:question", args=[ours.slug])))
    assert "solution" in marked_parts(page) and "figures" not in marked_parts(page)


def test_an_item_from_the_documents_carries_no_mark(candidate_client, candidate, bank):
    question = Question.objects.get(slug=CONCEPT)
    as_documents_only(question)
    Attempt.objects.create(user=candidate, question=question, text="my reasoning " * 5)
    page = page_text(candidate_client.get(reverse("companies:question", args=[question.slug])))
    assert MARK not in page and 'data-testid="provenance"' not in page
    assert "written for Mockloop" not in page


def test_an_item_written_for_mockloop_says_so(client, bank):
    question = Question.objects.get(slug=CONCEPT)
    question.provenance = {**question.provenance, "item": "mockloop"}
    question.save(update_fields=["provenance"])
    page = page_text(client.get(reverse("companies:question", args=[question.slug])))
    assert "This question was written for Mockloop, not taken from the source documents." \
        in " ".join(page.split())


def test_the_api_gives_the_provenance_before_and_after_an_attempt(client, candidate, bank):
    question = Question.objects.get(slug=SIGNATURE)
    body = client.get(f"/api/questions/{question.slug}/").json()
    assert body["provenance"] == question.provenance
    assert body["provenance"]["parts"]["solution"] == "mockloop"
    assert body["provenance"]["parts"]["probes"] == "documents"
    assert "level" in body["provenance"]["note"]
    client.force_login(candidate)
    Attempt.objects.create(user=candidate, question=question, text="my reasoning " * 5)
    assert client.get(f"/api/questions/{question.slug}/").json()["provenance"] == \
        question.provenance


@pytest.fixture
def room_session(bank, candidate, peer):
    """A booked mock whose first round asks OpenAI's signature question; peer interviews."""
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
    round_.question = Question.objects.get(slug=SIGNATURE)
    round_.save(update_fields=["question"])
    return session


def test_the_cockpit_marks_what_was_written_for_mockloop(client, room_session):
    round_ = room_session.rounds.get(number=1)
    client.force_login(round_.interviewer)
    cockpit = page_text(client.get(f"/mocks/session/{room_session.pk}/room/"))
    cockpit = cockpit.split('data-testid="cockpit"', 1)[1]
    assert MARK in cockpit
    assert "Hints, model solution, red flags, follow-ups, competencies; the rest comes from " \
           "the source documents." in " ".join(cockpit.split())

    client.force_login(round_.candidate)
    candidate_view = page_text(client.get(f"/mocks/session/{room_session.pk}/room/"))
    assert 'data-testid="cockpit"' not in candidate_view and MARK not in candidate_view
