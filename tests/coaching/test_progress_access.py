"""Who may read a candidate's progress: the candidate, and a coach with an active link, for
what the candidate shares. Everyone else gets 404 (403 for a roster they cannot have) on
every page, export and API endpoint, and ending a link removes access at once."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.services import user_create
from coaching.models import CoachLink
from coaching.services import coach_link_end
from companies.models import Company
from tests.coaching.factories import generic_question, graded_round, link
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def urls_of(candidate) -> list[str]:
    pk = candidate.pk
    return [f"/coaching/candidates/{pk}/progress/",
            f"/coaching/candidates/{pk}/progress/report/",
            f"/coaching/candidates/{pk}/progress/export.csv",
            f"/api/candidates/{pk}/progress/"]


@pytest.fixture
def other_coach(db):
    return user_create(username="othercoach", email="oc@example.test", password=PASSWORD,
                       kind="coach").user


@pytest.fixture
def graded(bank, candidate, peer):
    meta = Company.objects.get(slug="meta")
    return graded_round(candidate, peer, company=meta, question=generic_question("meta"),
                        days_ago=5, peer_verdict="senior", self_verdict="staff",
                        peer_scores={"failure-modes": "junior"})


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_no_access(client, candidate):
    for url in urls_of(candidate):
        response = client.get(url)
        assert response.status_code == 404, url
        if url.startswith("/api/"):
            assert response.json()["error"]["code"] == "not_found"


def test_the_linked_coach_reads_every_page_export_and_endpoint(client, coach, candidate,
                                                              graded):
    link(coach, candidate)
    client.force_login(coach)
    for url in urls_of(candidate):
        assert client.get(url).status_code == 200, url


def test_an_unlinked_coach_and_other_candidates_get_404(client, coach, other_coach,
                                                         candidate, peer, outsider, graded):
    link(coach, candidate)
    for user in (other_coach, outsider, peer):  # peer interviewed the candidate: still no
        client.force_login(user)
        assert_no_access(client, candidate)
        assert_no_access(api_for(user), candidate)
    client.logout()
    for url in urls_of(candidate)[:3]:
        assert client.get(url).status_code == 302  # to the login page
    assert APIClient().get(urls_of(candidate)[3]).status_code == 403


def test_a_pending_link_gives_no_access(client, coach, candidate, graded):
    CoachLink.objects.create(candidate=candidate, invited_email=coach.email,
                             started_by="candidate")
    client.force_login(coach)
    assert_no_access(client, candidate)
    assert 'data-testid="roster-empty"' in client.get("/coaching/roster/").content.decode()


def test_only_coaches_have_a_roster_and_coaches_have_no_progress(client, coach, candidate):
    client.force_login(candidate)
    assert client.get("/coaching/roster/").status_code == 403
    refused = api_for(candidate).get("/api/roster/")
    assert refused.status_code == 403
    assert refused.json()["error"] == {"code": "permission_denied", "fields": {},
                                       "message": "Only coach accounts have a roster."}
    client.force_login(coach)
    assert client.get("/coaching/progress/").url == "/coaching/roster/"
    for url in ("/coaching/progress/report/", "/coaching/progress/export.csv"):
        assert client.get(url).status_code == 404
    assert api_for(coach).get("/api/progress/").status_code == 404


def test_grade_figures_need_shared_grades(client, coach, candidate, graded):
    link(coach, candidate, grades=False)
    client.force_login(coach)
    page = client.get(f"/coaching/candidates/{candidate.pk}/progress/").content.decode()
    assert 'data-testid="grades-not-shared"' in page
    for hidden in ("dimension-table", "company-grid", "calibration-table",
                   "self-grade-table", "reattempts-table"):
        assert f'data-testid="{hidden}"' not in page
    assert 'data-testid="types-table"' in page  # practice coverage is not a grade
    assert "csv-link" not in page
    assert client.get(f"/coaching/candidates/{candidate.pk}/progress/export.csv"
                      ).status_code == 404
    body = client.get(f"/api/candidates/{candidate.pk}/progress/").json()
    assert body["shared"] == {"grades": False, "upcoming": True}
    assert body["rows"] is None and body["company_grid"] is None
    assert body["graded_rounds"] is None
    roster = client.get("/api/roster/").json()["candidates"][0]
    assert roster["latest_verdicts"] is None and roster["most_behind"] is None


def test_ending_the_link_removes_access_at_once(client, coach, candidate, graded):
    the_link = link(coach, candidate)
    client.force_login(coach)
    api = api_for(coach)
    assert api.get(f"/api/candidates/{candidate.pk}/progress/").status_code == 200
    assert len(api.get("/api/roster/").json()["candidates"]) == 1

    client.force_login(candidate)
    client.post(f"/coaching/link/{the_link.pk}/end/")
    the_link.refresh_from_db()
    assert the_link.status == CoachLink.Status.ENDED

    client.force_login(coach)
    assert_no_access(client, candidate)
    assert_no_access(api, candidate)
    assert api.get("/api/roster/").json()["candidates"] == []
    assert str(candidate.pk) not in client.get("/coaching/roster/").content.decode()


def test_a_coach_ending_the_link_loses_access_too(client, coach, candidate, graded):
    the_link = link(coach, candidate)
    coach_link_end(link=the_link, by=coach)
    client.force_login(coach)
    assert_no_access(client, candidate)
