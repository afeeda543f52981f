"""Filing a grade through the page: room notes shown beside it, cited transcript lines, precise
refusals that store nothing, and the report it produces."""

import re

import pytest

from interviews.models import TranscriptSegment
from interviews.selectors import transcript_line_url
from scoring.models import Citation, Grade
from tests.scoring.conftest import add_segment, form_data, move_to_past


@pytest.fixture
def interviewer_client(client, ended_round):
    client.force_login(ended_round.interviewer)
    return client


def test_the_form_shows_the_room_notes_beside_it_and_the_transcript(interviewer_client,
                                                                     ended_round):
    response = interviewer_client.get(f"/grading/round/{ended_round.pk}/grade/")
    body = response.content.decode()
    assert response.status_code == 200
    # Beside the grade, to copy from; never inside it unless the interviewer copies them.
    assert '<pre class="small" data-room-notes>Asked good questions early.</pre>' in body
    notes_field = re.search(r'<textarea name="notes"[^>]*>(.*?)</textarea>', body, re.S)
    assert notes_field and notes_field.group(1).strip() == ""
    assert 'data-cite="02:10"' in body
    assert '<option value="E5">E5 (senior)</option>' in body
    assert "Did I clarify?" in body


def test_it_files_a_grade_with_cited_transcript_lines(interviewer_client, ended_round):
    data = form_data(ended_round, level="E5",
                     did_well=(("Asked about scale before drawing.", "00:20, 2:10"),))
    response = interviewer_client.post(f"/grading/round/{ended_round.pk}/grade/", data)
    assert response.status_code == 302
    grade = Grade.objects.get(round=ended_round, kind=Grade.Kind.PEER)
    assert (grade.level, grade.level_altitude, grade.author) == ("E5", "senior",
                                                                 ended_round.interviewer)
    cited = [c.segment for c in Citation.objects.filter(note__grade=grade)]
    assert [s.timestamp for s in cited] == ["00:20", "02:10"]
    report = interviewer_client.get(response.url).content.decode()
    assert "Asked about scale before drawing." in report
    assert f'href="{transcript_line_url(cited[1])}">[02:10]</a>' in report.replace("&amp;", "&")


def _refused(client, round_, data):
    response = client.post(f"/grading/round/{round_.pk}/grade/", data)
    assert response.status_code == 400
    assert not Grade.objects.exists()
    assert not Citation.objects.exists()
    return response.content.decode()


def test_an_empty_verdict_is_refused(interviewer_client, ended_round):
    body = _refused(interviewer_client, ended_round,
                    form_data(ended_round, level="", decision="", swing=""))
    assert "Give the verdict: a level on the ladder." in body
    assert "Give the hire decision." in body
    assert "Say what would have swung the call to the next level." in body


def test_a_level_off_the_company_ladder_is_refused(interviewer_client, ended_round):
    body = _refused(interviewer_client, ended_round, form_data(ended_round, level="L7"))
    assert "&#x27;L7&#x27; is not a level on Meta (GenAI)&#x27;s ladder (E5, E6)." in body


def test_a_citation_outside_this_rounds_transcript_is_refused(interviewer_client,
                                                              ended_round):
    other_round = ended_round.session.rounds.get(number=2)
    add_segment(other_round, "candidate", 540, "A line of the other round.")
    body = _refused(interviewer_client, ended_round, form_data(
        ended_round, level="E5", did_well=(("Good.", "00:20 09:00"),)))
    assert "No line starts at 09:00 in this round&#x27;s transcript." in body


def test_a_missing_rubric_score_is_refused(interviewer_client, ended_round):
    data = form_data(ended_round, level="E5")
    key = next(k for k in data if k.startswith("rubric-"))
    del data[key]
    body = _refused(interviewer_client, ended_round, data)
    assert "Score &#x27;" in body


def test_a_round_cannot_be_graded_before_it_ends(client, booked_session):
    round_ = booked_session.rounds.get(number=1)
    client.force_login(round_.interviewer)
    response = client.post(f"/grading/round/{round_.pk}/grade/", form_data(round_, level="E5"))
    assert response.status_code == 400
    assert "The round has not ended yet" in response.content.decode()
    assert not Grade.objects.exists()


def test_a_round_without_transcript_can_still_be_graded(client, booked_session):
    move_to_past(booked_session)
    round_ = booked_session.rounds.get(number=2)
    assert not TranscriptSegment.objects.filter(round=round_).exists()
    client.force_login(round_.interviewer)
    assert "No transcript for this round" in client.get(
        f"/grading/round/{round_.pk}/grade/").content.decode()
    response = client.post(f"/grading/round/{round_.pk}/grade/", form_data(round_, level="E5"))
    assert response.status_code == 302
    assert Grade.objects.filter(round=round_, kind=Grade.Kind.PEER).exists()


def test_it_validates_ownership(client, ended_round, outsider):
    client.force_login(outsider)
    base = f"/grading/round/{ended_round.pk}"
    for url in (f"{base}/", f"{base}/grade/", f"{base}/report.md", f"{base}/report.pdf",
                f"{base}/descriptor/?dimension=x"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/grade/", form_data(ended_round, level="E5")).status_code == 404
    assert not Grade.objects.exists()
