"""The shipped bank loads completely, idempotently, and refuses malformed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from companies.bank_schema import BANK_DIR, COLLECTIONS, COMPANY_SLUGS
from companies.models import BankDocument, Company, CompanyLevel, Question, RoleTrack


def test_it_loads_every_collection_with_the_documents_counts(bank):
    for collection, expected in COLLECTIONS.items():
        assert Question.objects.filter(collection=collection).count() == expected, collection
    assert Question.objects.count() == 133


def test_it_loads_fourteen_profiled_companies_and_the_startup_profile(bank):
    assert set(Company.objects.values_list("slug", flat=True)) == set(COMPANY_SLUGS)
    profiled = Company.objects.filter(generic=False)
    assert profiled.count() == 14
    for company in profiled:
        assert company.levels.exists(), company.slug
        assert company.signature_question is not None, company.slug
        assert company.signature_question.collection == "company-signature"
        assert company.comp_notes and company.roles, company.slug
    # The documents give an adjacent-level delta for ten of the fourteen companies.
    with_delta = set(profiled.exclude(delta_text="").values_list("slug", flat=True))
    assert with_delta == {"openai", "anthropic", "google", "meta", "amazon", "microsoft",
                          "netflix", "stripe", "databricks", "xai"}
    assert RoleTrack.objects.count() == 4


def ladder(slug: str) -> list[tuple[str, str]]:
    return list(CompanyLevel.objects.filter(company__slug=slug)
                .order_by("rank").values_list("name", "altitude"))


def test_ladders_carry_each_companys_own_level_names(bank):
    openai = dict(ladder("openai"))
    assert {"IC4", "IC5", "IC6"} <= set(openai)
    assert openai["IC5"] == "senior" and openai["IC6"] == "staff"
    google = dict(ladder("google"))
    assert {"L5", "L6", "L8"} <= set(google)
    assert google["L5"] == "senior" and google["L6"] == "staff"
    assert {"L59", "L63", "L65"} <= set(dict(ladder("microsoft")))
    meta = dict(ladder("meta"))
    assert meta["E5"] == "senior" and meta["E6"] == "staff"
    assert {"SDE2", "SDE3"} <= set(dict(ladder("amazon")))


def test_spot_facts_survive_the_rewording(bank):
    openai = Company.objects.get(slug="openai")
    assert (openai.delta_lower, openai.delta_upper) == ("IC4", "IC5") or openai.delta_text
    signature = openai.signature_question
    assert "95" in signature.prompt and "GPU" in signature.prompt
    assert "500" in openai.comp_notes and "700" in openai.comp_notes
    microsoft = Company.objects.get(slug="microsoft")
    assert (microsoft.delta_lower, microsoft.delta_upper) == ("L59", "L63")
    netflix_prompt = Company.objects.get(slug="netflix").signature_question.prompt
    assert "200" in netflix_prompt
    stripe_prompt = Company.objects.get(slug="stripe").signature_question.prompt
    assert "50" in stripe_prompt


def test_every_drill_has_a_checkable_numeric_answer(bank):
    drills = Question.objects.filter(type="drill")
    assert drills.count() == 8
    for drill in drills:
        assert drill.answer_value is not None and drill.answer_unit
        assert drill.check_numeric_answer(drill.answer_value)
        assert not drill.check_numeric_answer(drill.answer_value * 3 + 1000)


def test_every_question_has_a_rubric_of_its_own_or_the_generic_one(bank):
    generic = BankDocument.objects.get(key="rubrics").data["generic"]
    assert len(generic) >= 4
    assert all(set(dim["cells"]) == {"junior", "senior", "staff", "principal"}
               for dim in generic)
    assert len(BankDocument.objects.get(key="rubrics").data["checklist"]) == 5
    assert [q["key"] for q in BankDocument.objects.get(key="self-grade").data] == [
        "clarify", "quantify", "commit", "drill-deep", "cover-operations"]
    own = Question.objects.exclude(rubric=[])
    assert own.filter(collection="design-challenge").count() == 4


def test_loading_twice_changes_nothing(bank, capsys):
    before = {q.slug: q.updated_at for q in Question.objects.all()}
    call_command("load_bank")
    output = capsys.readouterr().out
    assert "questions: 0 new, 133 updated" in output
    assert Question.objects.count() == len(before)
    assert CompanyLevel.objects.filter(company__slug="openai").count() == len(ladder("openai"))


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bank"
    shutil.copytree(BANK_DIR, target)
    return target


def _edit_first_question(path: Path, **changes) -> str:
    data = yaml.safe_load(path.read_text())
    data["questions"][0].update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return data["questions"][0]["slug"]


def test_a_malformed_file_is_refused_with_file_item_and_field_and_changes_nothing(
        bank, bank_copy):
    renamed = _edit_first_question(bank_copy / "questions" / "concept.yaml",
                                   title="A title that must not be stored")
    broken = _edit_first_question(bank_copy / "questions" / "on-call.yaml",
                                  difficulty="impossible")
    with pytest.raises(CommandError) as error:
        call_command("load_bank", bank_dir=str(bank_copy))
    message = str(error.value)
    assert "on-call.yaml" in message and broken in message and "difficulty" in message
    assert "nothing changed" in message
    assert Question.objects.get(slug=renamed).title != "A title that must not be stored"


def test_a_file_that_is_not_yaml_is_refused(bank, bank_copy):
    (bank_copy / "questions" / "rapid-fire.yaml").write_text("questions: [unclosed\n")
    with pytest.raises(CommandError, match=r"rapid-fire\.yaml.*not valid YAML"):
        call_command("load_bank", bank_dir=str(bank_copy))


def test_a_drill_without_its_answer_is_refused(bank, bank_copy):
    path = bank_copy / "questions" / "capacity-drill.yaml"
    data = yaml.safe_load(path.read_text())
    del data["questions"][2]["answer"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(CommandError, match=r"capacity-drill\.yaml.*'answer'"):
        call_command("load_bank", bank_dir=str(bank_copy))


def test_the_bank_never_reads_the_shared_folder():
    for path in Path(BANK_DIR).parent.rglob("*.py"):
        assert "shared/seeds" not in path.read_text(), path
