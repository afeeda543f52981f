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
