"""Ladders as the documents give them: titles and labels, no split where they say there
is none, and every rung we add marked as ours on the company page."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from companies.bank_schema import BANK_DIR, BankError, _company
from companies.models import Company, CompanyLevel


def rungs(slug: str) -> dict[str, CompanyLevel]:
    return {level.name: level for level in CompanyLevel.objects.filter(company__slug=slug)}


def test_netflix_has_no_separate_swe_and_senior_rungs(bank):
    netflix = rungs("netflix")
    assert "SE" not in netflix and "SSE" not in netflix
    assert netflix["Senior Engineer"].altitude == "senior"
    assert not netflix["Senior Engineer"].ours
    assert [name for name, level in netflix.items() if level.altitude == "junior"] == []
    company = Company.objects.get(slug="netflix")
    assert (company.delta_lower, company.delta_upper) == ("SE", "SSE")
    assert "not as two rungs" in company.delta_note


def test_microsoft_rungs_carry_their_titles_and_partner_is_ours(bank):
    microsoft = rungs("microsoft")
    assert {name: microsoft[name].title for name in ("L59", "L63", "L65")} == {
        "L59": "SWE", "L63": "Senior SWE", "L65": "Principal"}
    assert not any(microsoft[name].ours for name in ("L59", "L63", "L65"))
    assert microsoft["Partner"].ours and microsoft["Partner"].ours_reason


def test_google_ladder_has_the_documents_labels(bank):
    google = rungs("google")
    assert google["L5"].title == "SWE3" and google["L8"].title == "Distinguished"
    assert google["L7"].ours and not google["L5"].ours and not google["L8"].ours


def test_rungs_the_documents_do_not_give_are_ours(bank):
    ours = set(CompanyLevel.objects.filter(ours=True)
               .values_list("company__slug", "name"))
    assert ("anthropic", "IC6") in ours and ("netflix", "Staff Software Engineer") in ours
    for slug in ("mistral", "cursor-replit", "hugging-face", "cohere"):
        assert all(level.ours for level in rungs(slug).values()), slug
    for slug in ("openai", "meta", "amazon", "stripe", "databricks", "xai"):
        assert not any(level.ours for level in rungs(slug).values()), slug
    assert all(level.ours_reason for level in CompanyLevel.objects.filter(ours=True))


def test_the_company_page_shows_titles_and_rungs_added_by_mockloop(client, bank):
    page = client.get(Company.objects.get(slug="microsoft").get_absolute_url()).content.decode()
    assert "L59</b> (SWE)" in page and "L65</b> (Principal)" in page
    assert page.count("added by Mockloop") == 1
    assert rungs("microsoft")["Partner"].ours_reason in page
    page = client.get(Company.objects.get(slug="netflix").get_absolute_url()).content.decode()
    assert 'data-testid="delta-note"' in page


def _company_copy(tmp_path: Path, slug: str, change) -> Path:
    data = yaml.safe_load((BANK_DIR / "companies" / f"{slug}.yaml").read_text())
    change(data)
    path = tmp_path / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("slug, change, message", [
    ("microsoft", lambda d: d["ladder"][3].pop("reason"), r"ladder\[3\]\.reason"),
    ("microsoft", lambda d: d["ladder"][0].update(reason="Because."), "only a rung marked ours"),
    ("microsoft", lambda d: d["ladder"][3].update(ours="yes"), "must be true or false"),
    ("netflix", lambda d: d["level_delta"].pop("note"), "'SE' is not a level of the ladder"),
])
def test_the_schema_refuses_an_unexplained_ladder(tmp_path, slug, change, message):
    with pytest.raises(BankError, match=message):
        _company(_company_copy(tmp_path, slug, change))
