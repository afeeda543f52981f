"""Browsing the bank and company pages, with filters and text search."""

from __future__ import annotations

import html

from companies.models import Company


def text(response) -> str:
    return html.unescape(response.content.decode())


def result_count(response) -> int:
    page = text(response)
    marker = 'data-testid="result-count">'
    return int(page.split(marker, 1)[1].split(" ", 1)[0])


def test_the_bank_lists_every_question(client, bank):
    assert result_count(client.get("/bank/")) == 133


def test_filters_narrow_the_list(client, bank):
    assert result_count(client.get("/bank/?type=oncall")) == 6
    assert result_count(client.get("/bank/?company=openai&type=coding")) >= 1
    narrowed = result_count(client.get("/bank/?topic=kv-cache&level=staff"))
    assert 0 < narrowed < 133
    assert result_count(client.get("/bank/?role_track=research-engineer")) > 0


def test_htmx_gets_only_the_results_fragment(client, bank):
    response = client.get("/bank/?type=drill", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in text(response)
    assert result_count(response) == 8


def test_text_search_uses_full_text_matching(client, bank):
    # 'batching' matches 'batch' through stemming on PostgreSQL.
    found = text(client.get("/bank/?q=batching+scheduler"))
    signature = Company.objects.get(slug="openai").signature_question
    assert signature.title in found
    assert result_count(client.get("/bank/?q=zzzxqv")) == 0


def test_a_bad_filter_value_is_reported(client, bank):
    response = client.get("/bank/?level=wizard")
    assert response.status_code == 400
    assert "wizard" in text(response)


def test_a_company_page_shows_ladder_emphasis_and_signature_question(client, bank):
    company = Company.objects.get(slug="meta")
    page = text(client.get(company.get_absolute_url()))
    for level in company.levels.all():
        assert level.name in page
    assert company.emphasis[0] in page
    assert company.signature_question.title in page
    assert company.delta_text in page


def test_an_unknown_company_is_a_404(client, bank):
    assert client.get("/companies/initech/").status_code == 404


def test_role_tracks_describe_their_loops(client, bank):
    page = text(client.get("/tracks/research-engineer/"))
    assert "Research" in page


def test_the_company_index_lists_all_profiles(client, bank):
    page = text(client.get("/companies/"))
    assert page.count('class="card"') >= 15 + 4
