"""A coach linked to two candidates: the roster and both progress pages show the figures of
the seeded grades, computed here again from the seeds; so do the CSV export and the API."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import timezone
from django.utils.text import slugify

from accounts.services import profile_for
from companies.models import Company, Question
from companies.selectors import generic_rubric
from interviews.models import MockSession, NoShowReport
from scoring.services import grade_submit
from tests.coaching.factories import generic_question, grade_input, graded_round, link, past_round

pytestmark = pytest.mark.django_db

RANK = {"junior": 0, "senior": 1, "staff": 2, "principal": 3}
SCORE = {"yes": 1.0, "partly": 0.5, "no": 0.0}

# candidate's graded rounds, oldest first: (company, days ago, peer verdict, self verdict,
# peer scores, self scores, self-grade answers); unnamed dimensions are 'senior'
ADA_ROUNDS = [
    ("meta", 40, "senior", "staff",
     {"failure-modes": "junior", "evolution-org-cost": "junior"}, {"failure-modes": "staff"},
     {"clarify": "yes", "quantify": "no"}),
    ("google", 10, "staff", "staff",
     {"failure-modes": "senior", "evolution-org-cost": "staff", "overall-altitude": "staff"},
     {"evolution-org-cost": "staff"}, {"clarify": "yes", "quantify": "partly"}),
    ("meta", 3, "staff", "senior",
     {"failure-modes": "staff", "evolution-org-cost": "junior",
      "tradeoff-articulation": "principal"}, {}, {"clarify": "partly", "quantify": "yes"}),
]
# peer's rounds: verdicts fall from senior to junior
GRACE_ROUNDS = [
    ("openai", 6, "senior", "senior", {"failure-modes": "junior"}, {}, {}),
    ("openai", 2, "junior", "senior", {"quantitative-justification": "junior"}, {}, {}),
]


def dimensions() -> list[str]:
    return [slugify(d["name"]) for d in generic_rubric()]


def full(scores: dict[str, str]) -> dict[str, str]:
    return {key: scores.get(key, "senior") for key in dimensions()}


def seed(candidate, interviewer, rounds):
    made = []
    for company, days, peer, own, peer_scores, self_scores, answers in rounds:
        made.append(graded_round(
            candidate, interviewer, company=Company.objects.get(slug=company),
            question=generic_question(company), days_ago=days, peer_verdict=peer,
            self_verdict=own, peer_scores=peer_scores, self_scores=self_scores,
            answers=answers))
    return made


@pytest.fixture
def seeded(bank, coach, candidate, peer):
    for user, companies, level in ((candidate, ["meta", "google"], "staff"),
                                   (peer, ["openai"], "senior")):
        profile = profile_for(user)
        profile.target_level = level
        profile.save(update_fields=["target_level"])
        profile.target_companies.set(Company.objects.filter(slug__in=companies))
    ada = seed(candidate, peer, ADA_ROUNDS)
    grace = seed(peer, candidate, GRACE_ROUNDS)
    meta = Company.objects.get(slug="meta")
    # a round only the interviewer graded yet: practised, not graded
    half = past_round(candidate, peer, company=meta, question=generic_question("meta"),
                      days_ago=1)
    grade_submit(round_=half, author=peer, data=grade_input(
        half, verdict="staff", scores={"failure-modes": "principal"}))
    # a cancelled mock counts for nothing
    past_round(candidate, peer, company=meta, question=generic_question("meta"), days_ago=4,
               status=MockSession.Status.CANCELLED)
    missed = past_round(peer, candidate, company=meta, question=generic_question("meta"),
                        days_ago=8, status=MockSession.Status.NO_SHOW)
    NoShowReport.objects.create(session=missed.session, reporter=candidate, absent=peer)
    link(coach, candidate)
    link(coach, peer)
    return {"ada": ada, "grace": grace}


def cells(html: str, testid: str) -> list[dict[str, str]]:
    """The rows of a data table as {data-attribute key: text} dictionaries."""
    table = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', html, re.S).group(0)
    rows = []
    for row in re.findall(r"<tr\b[^>]*>.*?</tr>", table.split("<tbody>")[1], re.S):
        found = {}
        for attrs, text in re.findall(r"<t[dh]\b([^>]*)>(.*?)</t[dh]>", row, re.S):
            key = re.search(r'data-(?:dimension|field|question)="([^"]+)"', attrs)
            if key:
                found[key.group(1)] = re.sub(r"<[^>]+>", "", text).split()
                found[key.group(1) + ":attrs"] = attrs
        head = re.search(r"<tr\b([^>]*)>", row).group(1)
        found["_row"] = head
        rows.append(found)
    return rows


def attr(attrs: str, name: str) -> str:
    return re.search(rf'data-{name}="([^"]*)"', attrs).group(1)


def expected_latest(rounds, company):
    latest = {}
    for slug, _, _, _, peer_scores, _, _ in rounds:  # oldest first
        if slug == company:
            latest.update(full(peer_scores))
    return latest


def test_the_roster_lists_both_candidates_with_their_figures(client, coach, candidate, peer,
                                                            seeded):
    client.force_login(coach)
    html = client.get("/coaching/roster/").content.decode()
    rows = {attr(r["_row"], "candidate"): r for r in cells(html, "roster")}
    assert set(rows) == {str(candidate.pk), str(peer.pk)}
    ada, grace = rows[str(candidate.pk)], rows[str(peer.pk)]
    google, meta = Company.objects.get(slug="google"), Company.objects.get(slug="meta")
    assert " ".join(ada["targets"]) == f"Staff: {google.name} L7, {meta.name} E6"
    # in 30 days: two graded rounds and the half-graded one; not the cancelled one
    assert ada["mocks"] == ["3"]
    assert " ".join(ada["verdicts"]) == (f"E6 ({meta.name}); L7 ({google.name}); "
                                         f"E5 ({meta.name})")  # newest first

    # most behind: the lowest mean altitude over the graded rounds, against staff
    means = {key: sum(RANK[full(r[4])[key]] for r in ADA_ROUNDS) / len(ADA_ROUNDS)
             for key in dimensions()}
    worst = min(means, key=lambda k: means[k])
    names = {slugify(d["name"]): d["name"] for d in generic_rubric()}
    assert worst == "evolution-org-cost"
    assert " ".join(ada["behind"]).startswith(names[worst])
    assert f"({means[worst] - RANK['staff']:.1f})" in " ".join(ada["behind"])
    assert ada["flag"] == ["—"] and ada["no-shows"] == ["0"]

    assert grace["no-shows"] == ["1"]
    assert "falling verdicts" in " ".join(grace["flag"])  # senior, then junior
    assert 'class="flagged"' in grace["_row"]

    flagged = client.get("/coaching/roster/", {"flagged": "on"}).content.decode()
    assert [attr(r["_row"], "candidate") for r in cells(flagged, "roster")] == [str(peer.pk)]
    by_mocks = client.get("/coaching/roster/", {"sort": "mocks", "order": "desc"})
    order = [attr(r["_row"], "candidate") for r in cells(by_mocks.content.decode(), "roster")]
    assert order == [str(candidate.pk), str(peer.pk)]
    # a row opens the candidate's progress
    assert f'data-href="/coaching/candidates/{candidate.pk}/progress/"' in html


def test_the_coach_sees_each_candidates_progress_with_the_seeded_figures(client, coach,
                                                                        candidate, seeded):
    client.force_login(coach)
    response = client.get(f"/coaching/candidates/{candidate.pk}/progress/")
    assert response.status_code == 200
    html = response.content.decode()

    # altitude per dimension: newest first, one row per graded round
    table = cells(html, "dimension-table")
    assert len(table) == len(ADA_ROUNDS)
    for row, seeded_round in zip(table, reversed(ADA_ROUNDS), strict=True):
        for key, altitude in full(seeded_round[4]).items():
            assert attr(row[f"{key}:attrs"], "altitude") == altitude

    # the company grid: the latest altitude per dimension at each target company
    grid = {attr(r["_row"], "company"): r for r in cells(html, "company-grid")}
    assert list(grid) == ["google", "meta"]
    assert grid["meta"]["target"] == ["E6"] and grid["google"]["target"] == ["L7"]
    assert grid["meta"]["rounds"] == ["2"]
    for company in ("meta", "google"):
        for key, altitude in expected_latest(ADA_ROUNDS, company).items():
            status = ("below" if RANK[altitude] < RANK["staff"] else
                      "at" if altitude == "staff" else "above")
            assert attr(grid[company][f"{key}:attrs"], "status") == status, (company, key)
    assert grid["meta"]["failure-modes"][:2] == ["●", "E6"]
    assert grid["meta"]["evolution-org-cost"][:2] == ["▼", "Junior"]  # Meta names no junior
    assert grid["google"]["tradeoff-articulation"][:2] == ["▼", "L5"]

    # calibration: self minus peer, level and mean rubric gap
    calibration = cells(html, "calibration-table")
    for row, (_, _, peer, own, peer_scores, self_scores, _) in zip(
            calibration, reversed(ADA_ROUNDS), strict=True):
        level_gap = RANK[own] - RANK[peer]
        assert row["level-gap"] == [f"{'+' if level_gap > 0 else ''}{level_gap}"]
        gaps = [RANK[full(self_scores)[k]] - RANK[full(peer_scores)[k]] for k in dimensions()]
        mean = sum(gaps) / len(gaps)
        assert row["rubric-gap"] == [f"{'+' if mean > 0 else ''}{mean:.2f}"]

    # the self-grade questions: the moving average of the answers so far
    trend = cells(html, "self-grade-table")
    for index, row in enumerate(reversed(trend)):
        for key in ("clarify", "quantify"):
            answers = [SCORE[r[6][key]] for r in ADA_ROUNDS[:index + 1]]
            assert attr(row[f"{key}:attrs"], "moving") == f"{sum(answers) / len(answers):.2f}"

    # coverage: all four mocks (graded or not) were design questions; a type is a gap
    # when never practised while a tenth of a target company's questions are of it
    types = {attr(r["_row"], "type"): r for r in cells(html, "types-table")}
    assert types["design"]["practised"][0] == "4"
    asked = {}
    for slug in ("meta", "google"):
        kinds = list(Question.objects.filter(companies__slug=slug).values_list("type", flat=True))
        for kind in set(kinds):
            asked[kind] = max(asked.get(kind, 0), kinds.count(kind) / len(kinds))
    assert set(types) == set(asked) | {"design"}
    gaps = {kind for kind, share in asked.items() if kind != "design" and share >= 0.1}
    assert {kind for kind, row in types.items() if 'class="gap"' in row["_row"]} == gaps
    focus = {attr(r["_row"], "area"): r for r in cells(html, "focus-table")}
    meta_areas = set(Company.objects.get(slug="meta").focus_areas)
    assert meta_areas <= set(focus)


def test_the_progress_export_has_one_row_per_graded_round_and_dimension(client, coach,
                                                                       candidate, seeded):
    client.force_login(coach)
    response = client.get(f"/coaching/candidates/{candidate.pk}/progress/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == len(ADA_ROUNDS) * len(dimensions())
    first = [r for r in rows if r["round_id"] == str(seeded["ada"][0].pk)]
    failure = next(r for r in first if r["dimension"] == "failure-modes")
    assert (failure["peer_altitude"], failure["self_altitude"]) == ("junior", "staff")
    assert failure["self_minus_peer"] == "2" and failure["peer_minus_target"] == "-2"
    assert failure["verdict"] == "E5" and failure["company"] == "Meta (GenAI)"

    # the same rows through the API, and the candidate's own export matches
    api = client.get(f"/api/candidates/{candidate.pk}/progress/").json()
    assert [(r["round_id"], r["dimension"], r["peer_altitude"]) for r in api["rows"]] == [
        (int(r["round_id"]), r["dimension"], r["peer_altitude"]) for r in rows]
    assert api["graded_rounds"] == 3
    assert api["most_behind"]["dimension"] == "evolution-org-cost"
    client.force_login(candidate)
    own = client.get("/coaching/progress/export.csv").content.decode()
    assert own == response.content.decode()


def test_the_candidates_own_page_and_api_show_the_same(client, candidate, peer, seeded):
    client.force_login(candidate)
    html = client.get("/coaching/progress/").content.decode()
    assert 'data-testid="graded-count">3<' in html
    body = client.get("/api/progress/").json()
    grid = {row["company"]: row for row in body["company_grid"]}
    assert grid["Meta (GenAI)"]["cells"]["failure-modes"] == {
        "altitude": "staff", "level": "E6", "status": "at"}
    assert body["calibration"][0]["level_gap"] == 1
    assert body["upcoming"] == []


def test_filters_narrow_the_figures_by_period_and_company(client, coach, candidate, seeded):
    client.force_login(coach)
    url = f"/coaching/candidates/{candidate.pk}/progress/"
    recent = client.get(url, {"period": "30", "company": "google"},
                        headers={"HX-Request": "true"})
    html = recent.content.decode()
    assert "<html" not in html  # an htmx fragment
    assert "progress/export.csv?period=30&amp;company=google" in html  # exports follow
    assert len(cells(html, "dimension-table")) == 1
    assert [attr(r["_row"], "company") for r in cells(html, "company-grid")] == ["google"]

    month = client.get(f"/api/candidates/{candidate.pk}/progress/", {"period": "30"}).json()
    assert month["graded_rounds"] == 2  # the round of 40 days ago falls out
    assert [p["round"] for p in month["calibration"]] == [r.pk for r in seeded["ada"][1:]]
    meta = client.get(f"/api/candidates/{candidate.pk}/progress/",
                      {"company": "meta"}).json()
    assert [p["round"] for p in meta["calibration"]] == [seeded["ada"][0].pk,
                                                         seeded["ada"][2].pk]
    bad = client.get(url, {"period": "7", "company": "nowhere"})
    assert bad.status_code == 400
    assert "Choose a period of 30, 90, 180 or 365 days, or all." in bad.content.decode()
    api_bad = client.get(f"/api/candidates/{candidate.pk}/progress/", {"company": "nowhere"})
    assert api_bad.status_code == 400
    assert "nowhere" in api_bad.json()["error"]["fields"]["company"][0]


def test_upcoming_mocks_show_only_when_shared(client, coach, candidate, seeded):
    meta = Company.objects.get(slug="meta")
    ahead = past_round(candidate, seeded["ada"][0].interviewer, company=meta,
                       question=generic_question("meta"), days_ago=-2,
                       status=MockSession.Status.SCHEDULED)
    client.force_login(coach)
    url = f"/coaching/candidates/{candidate.pk}/progress/"
    html = client.get(url).content.decode()
    assert 'data-testid="upcoming-table"' in html
    assert timezone.localtime(ahead.session.starts_at).strftime("%Y-%m-%d") in html
    assert ahead.question.title not in html.split('id="upcoming-title"')[1]
    candidate.coach_links.update(share_upcoming=False)
    html = client.get(url).content.decode()
    assert 'data-testid="upcoming-not-shared"' in html
    assert client.get(f"/api/candidates/{candidate.pk}/progress/").json()["upcoming"] is None
    assert client.get(f"/api/candidates/{candidate.pk}/progress/").json()["graded_rounds"] == 3
