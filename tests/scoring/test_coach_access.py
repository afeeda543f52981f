"""A candidate's coach reads their round reports while linked and sharing reports, and
their grades through the API while sharing grades; no one else does, and ending the link
ends access at once."""

import pytest

from coaching.models import CoachLink
from coaching.services import coach_link_end, coach_link_update_shares
from tests.scoring.test_compare_and_report import grade_both


def report_urls(round_):
    return [f"/grading/round/{round_.pk}/", f"/grading/round/{round_.pk}/report.md",
            f"/grading/round/{round_.pk}/report.pdf"]


def grades_url(round_):
    return f"/api/rounds/{round_.pk}/grades/"


def urls(round_):
    return [*report_urls(round_), grades_url(round_)]


@pytest.fixture
def link(ended_round, coach):
    return CoachLink.objects.create(candidate=ended_round.candidate, coach=coach,
                                    started_by="coach", status="active")


def test_the_candidates_coach_reads_the_report(client, ended_round, coach, link):
    grade_both(client, ended_round)
    client.force_login(coach)
    for url in urls(ended_round):
        assert client.get(url).status_code == 200, url
    assert "Asked about scale before drawing." in client.get(urls(ended_round)[1]).content.decode()


def test_not_shared_unlinked_or_ended_means_not_found(client, ended_round, coach, link):
    grade_both(client, ended_round)
    client.force_login(coach)
    coach_link_update_shares(link=link, by=ended_round.candidate, shares={"transcripts": True})
    assert all(client.get(url).status_code == 404 for url in urls(ended_round))

    coach_link_update_shares(link=link, by=ended_round.candidate, shares={"reports": True})
    assert all(client.get(url).status_code == 200 for url in report_urls(ended_round))
    assert client.get(grades_url(ended_round)).status_code == 404

    coach_link_update_shares(link=link, by=ended_round.candidate, shares={"grades": True})
    assert client.get(grades_url(ended_round)).status_code == 200
    assert all(client.get(url).status_code == 404 for url in report_urls(ended_round))

    coach_link_update_shares(link=link, by=ended_round.candidate,
                             shares={"grades": True, "reports": True})
    coach_link_end(link=link, by=coach)
    assert all(client.get(url).status_code == 404 for url in urls(ended_round))


def test_a_coach_comments_and_only_the_candidate_and_coach_read_it(client, ended_round, coach,
                                                                  link):
    grade_both(client, ended_round)
    client.force_login(coach)
    url = f"/coaching/round/{ended_round.pk}/comments/"
    response = client.post(url, {"text": "   "}, follow=True)
    assert "Write a comment first." in response.content.decode()
    client.post(url, {"text": "Price the cache before the shards next time."})

    client.force_login(ended_round.candidate)
    report = client.get(f"/grading/round/{ended_round.pk}/").content.decode()
    assert "Price the cache before the shards next time." in report
    client.force_login(ended_round.interviewer)
    report = client.get(f"/grading/round/{ended_round.pk}/").content.decode()
    assert "Price the cache" not in report
    assert client.post(url, {"text": "I am not the coach."}).status_code == 302
    from coaching.models import CoachComment
    assert list(CoachComment.objects.values_list("text", flat=True)) == [
        "Price the cache before the shards next time."]
