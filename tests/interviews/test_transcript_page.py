"""The transcript page merges both speakers by time and is private to the pair."""

import pytest

from interviews.models import SpeakerRole, TranscriptSegment
from interviews.selectors import transcript_line_url


@pytest.fixture
def round_(booked_session):
    return booked_session.rounds.get(number=1)


def _segment(round_, user, role, start, text):
    return TranscriptSegment.objects.create(
        round=round_, speaker=user, role=role, start_seconds=start, end_seconds=start + 2,
        text=text, source_key=f"test-{user.pk}")


def test_it_merges_both_speakers_by_time(client, round_):
    interviewer, candidate = round_.interviewer, round_.candidate
    _segment(round_, candidate, SpeakerRole.CANDIDATE, 4.0, "I would start with the SLOs.")
    _segment(round_, interviewer, SpeakerRole.INTERVIEWER, 1.0, "Design a feed ranker.")
    client.force_login(candidate)
    response = client.get(f"/mocks/round/{round_.pk}/transcript/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("INTERVIEWER:</b> Design a feed ranker.") < body.index(
        "CANDIDATE:</b> I would start with the SLOs.")
    assert "[00:04]" in body


def test_citation_urls_point_at_the_line(round_):
    segment = _segment(round_, round_.candidate, SpeakerRole.CANDIDATE, 75.5, "Latency first.")
    assert transcript_line_url(segment) == (
        f"/mocks/round/{round_.pk}/transcript/?t=75.5#seg-{segment.pk}")


def test_it_validates_ownership(client, round_, outsider):
    client.force_login(outsider)
    assert client.get(f"/mocks/round/{round_.pk}/transcript/").status_code == 404


def test_it_downloads_text_and_markdown(client, round_):
    _segment(round_, round_.interviewer, SpeakerRole.INTERVIEWER, 1.0, "Design a feed ranker.")
    _segment(round_, round_.candidate, SpeakerRole.CANDIDATE, 64.0, "I would start with *SLOs*.")
    client.force_login(round_.candidate)
    text = client.get(f"/mocks/round/{round_.pk}/transcript.txt")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in text["Content-Disposition"]
    lines = text.content.decode().splitlines()
    assert lines[-2:] == ["[00:01] INTERVIEWER: Design a feed ranker.",
                          "[01:04] CANDIDATE: I would start with *SLOs*."]
    markdown = client.get(f"/mocks/round/{round_.pk}/transcript.md").content.decode()
    # Before the round starts its candidate does not learn the question from the title.
    assert markdown.startswith(f"# Mock {round_.session_id}, round 1\n")
    assert round_.question.title not in markdown
    client.force_login(round_.interviewer)
    markdown = client.get(f"/mocks/round/{round_.pk}/transcript.md").content.decode()
    assert markdown.startswith(
        f"# Mock {round_.session_id}, round 1: {round_.question.title}\n")
    assert "**[01:04] CANDIDATE:** I would start with \\*SLOs\\*." in markdown


def test_search_keeps_the_matching_lines_and_marks_the_words(client, round_):
    _segment(round_, round_.interviewer, SpeakerRole.INTERVIEWER, 1.0, "How big is the cache?")
    _segment(round_, round_.candidate, SpeakerRole.CANDIDATE, 4.0, "The Cache holds a day.")
    _segment(round_, round_.candidate, SpeakerRole.CANDIDATE, 9.0, "Then the model.")
    client.force_login(round_.interviewer)
    body = client.get(f"/mocks/round/{round_.pk}/transcript/", {"q": "cache"}).content.decode()
    assert "2 of 3 lines mention" in body
    assert "The <mark>Cache</mark> holds a day." in body
    assert "Then the model." not in body


def test_downloads_are_private_to_the_pair(client, round_, outsider):
    client.force_login(outsider)
    for suffix in ("transcript.txt", "transcript.md", "audio/1/"):
        assert client.get(f"/mocks/round/{round_.pk}/{suffix}").status_code == 404
    assert client.post(f"/mocks/round/{round_.pk}/transcript/retry/").status_code == 404


def test_the_candidates_coach_reads_it_while_transcripts_are_shared(client, round_, coach):
    from coaching.models import CoachLink
    from coaching.services import coach_link_end, coach_link_update_shares

    _segment(round_, round_.candidate, SpeakerRole.CANDIDATE, 4.0, "Shard by tenant.")
    link = CoachLink.objects.create(candidate=round_.candidate, coach=coach,
                                    started_by="coach", status="active")
    client.force_login(coach)
    page = f"/mocks/round/{round_.pk}/transcript/"
    assert "Shard by tenant." in client.get(page).content.decode()
    assert client.get(f"/mocks/round/{round_.pk}/transcript.txt").status_code == 200

    coach_link_update_shares(link=link, by=round_.candidate, shares={"grades": True})
    assert client.get(page).status_code == 404
    coach_link_update_shares(link=link, by=round_.candidate, shares={"transcripts": True})
    coach_link_end(link=link, by=round_.candidate)
    assert client.get(page).status_code == 404
