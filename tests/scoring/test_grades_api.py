"""The grades API under the page's rules: blind until one's own grade is in, editable until
both sides submitted, amendments after, precise refusals, and 404 for everyone else."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.services import user_create
from interviews.models import TranscriptSegment
from interviews.services import match_open_requests
from scoring.models import Citation, Grade, GradeAmendment
from tests.scoring.conftest import add_segment, api_payload, post_request, window


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def interviewer(ended_round):
    return client_for(ended_round.interviewer)


@pytest.fixture
def candidate_api(ended_round):
    return client_for(ended_round.candidate)


def url(round_):
    return f"/api/rounds/{round_.pk}/grades/"


def test_the_interviewer_files_a_grade_citing_segments(interviewer, ended_round):
    segment = TranscriptSegment.objects.get(round=ended_round, start_seconds=20)
    response = interviewer.post(url(ended_round), api_payload(ended_round, cites=[segment.pk]),
                                format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "peer"
    assert body["verdict"]["label"] == "Strong E5"
    assert body["did_well"][0]["cites"][0]["timestamp"] == "00:20"
    assert body["did_well"][0]["cites"][0]["url"].endswith(f"#seg-{segment.pk}")
    assert body["suggested"]["altitude"] == "senior"
    assert body["grader_calibration"] is None


def test_a_citation_to_another_sessions_transcript_is_refused(interviewer, ended_round,
                                                             outsider, slot):
    stranger = user_create(username="stranger", email="s@example.test",
                           password="pw-long-enough-1").user
    post_request(outsider, [window(slot + timedelta(days=1))])
    post_request(stranger, [window(slot + timedelta(days=1))])
    (other_session,) = match_open_requests()
    foreign = add_segment(other_session.rounds.get(number=1), "candidate", 20, "Elsewhere.")
    response = interviewer.post(url(ended_round), api_payload(ended_round, cites=[foreign.pk]),
                                format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["did_well[0].cites"] == [
        f"Line {foreign.pk} is not part of this round's transcript; cite only its lines."]
    assert not Grade.objects.exists() and not Citation.objects.exists()


@pytest.mark.parametrize(("verdict", "field", "message"), [
    ({"level": "", "decision": "yes", "swing": "x"}, "level",
     "Give the verdict: a level on the ladder."),
    ({"level": "IC5", "decision": "yes", "swing": "x"}, "level",
     "'IC5' is not a level on Meta (GenAI)'s ladder (E5, E6)."),
    ({"level": "E5", "decision": "maybe", "swing": "x"}, "decision",
     "The decision is one of strong-no, no, yes, strong-yes."),
])
def test_a_bad_verdict_is_refused(interviewer, ended_round, verdict, field, message):
    response = interviewer.post(url(ended_round), api_payload(ended_round, verdict=verdict),
                                format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == [message]
    assert not Grade.objects.exists()


def test_grades_are_blind_until_ones_own_is_in(interviewer, candidate_api, ended_round):
    peer_grade = interviewer.post(url(ended_round), api_payload(ended_round),
                                  format="json").json()
    seen = candidate_api.get(url(ended_round)).json()
    assert seen["grades"] == [] and seen["other_submitted"] is True
    assert candidate_api.get(f"/api/grades/{peer_grade['id']}/").status_code == 404
    response = candidate_api.post(url(ended_round), api_payload(ended_round,
                                                                level_altitude="staff"),
                                  format="json")
    assert response.status_code == 201
    kinds = [g["kind"] for g in candidate_api.get(url(ended_round)).json()["grades"]]
    assert kinds == ["peer", "self"]
    assert candidate_api.get(f"/api/grades/{peer_grade['id']}/").status_code == 200


def test_the_interviewer_sees_the_self_grade_only_after_filing(interviewer, candidate_api,
                                                              ended_round):
    self_grade = candidate_api.post(url(ended_round), api_payload(ended_round),
                                    format="json").json()
    assert interviewer.get(url(ended_round)).json()["grades"] == []
    assert interviewer.get(f"/api/grades/{self_grade['id']}/").status_code == 404


def test_a_grade_is_editable_until_both_sides_submit_then_frozen(interviewer, candidate_api,
                                                                 ended_round):
    grade = interviewer.post(url(ended_round), api_payload(ended_round), format="json").json()
    edited = interviewer.put(f"/api/grades/{grade['id']}/",
                             api_payload(ended_round, level_altitude="staff"), format="json")
    assert edited.status_code == 200
    assert edited.json()["verdict"]["level"] == "E6"
    early = interviewer.post(f"/api/grades/{grade['id']}/amendments/", {"text": "x"},
                             format="json")
    assert early.status_code == 409
    candidate_api.post(url(ended_round), api_payload(ended_round), format="json")
    frozen = interviewer.put(f"/api/grades/{grade['id']}/", api_payload(ended_round),
                             format="json")
    assert frozen.status_code == 409
    assert "final" in frozen.json()["error"]["message"]
    assert Grade.objects.get(pk=grade["id"]).level == "E6"
    amended = interviewer.post(f"/api/grades/{grade['id']}/amendments/",
                               {"text": "The 02:10 estimate was off by 2x."}, format="json")
    assert amended.status_code == 201
    detail = interviewer.get(f"/api/grades/{grade['id']}/").json()
    assert detail["amendments"][0]["author"] == ended_round.interviewer.username
    assert detail["amendments"][0]["text"] == "The 02:10 estimate was off by 2x."


def test_only_the_author_edits_or_amends(interviewer, candidate_api, ended_round):
    grade = interviewer.post(url(ended_round), api_payload(ended_round), format="json").json()
    candidate_api.post(url(ended_round), api_payload(ended_round), format="json")
    assert candidate_api.put(f"/api/grades/{grade['id']}/", api_payload(ended_round),
                             format="json").status_code == 403
    assert candidate_api.post(f"/api/grades/{grade['id']}/amendments/", {"text": "no"},
                              format="json").status_code == 403
    assert not GradeAmendment.objects.exists()


def test_the_candidate_annotates_gaps_without_rewriting(interviewer, candidate_api,
                                                       ended_round):
    interviewer.post(url(ended_round), api_payload(ended_round), format="json")
    own = candidate_api.post(url(ended_round), api_payload(ended_round, rubric_altitude="staff"),
                             format="json").json()
    key = next(iter(own["rubric"]))
    response = candidate_api.post(f"/api/grades/{own['id']}/annotations/",
                                  {"dimension": key, "text": "Should have sized the cache."},
                                  format="json")
    assert response.status_code == 201
    after = candidate_api.get(f"/api/grades/{own['id']}/").json()
    assert after["rubric"] == own["rubric"]
    assert after["gap_annotations"][0]["text"] == "Should have sized the cache."
    bad = candidate_api.post(f"/api/grades/{own['id']}/annotations/",
                             {"dimension": "vibes", "text": "x"}, format="json")
    assert bad.status_code == 400


def test_it_validates_ownership(interviewer, ended_round, outsider):
    grade = interviewer.post(url(ended_round), api_payload(ended_round), format="json").json()
    stranger = client_for(outsider)
    assert stranger.get(url(ended_round)).status_code == 404
    assert stranger.post(url(ended_round), api_payload(ended_round),
                         format="json").status_code == 404
    assert stranger.get(f"/api/grades/{grade['id']}/").status_code == 404
    assert stranger.put(f"/api/grades/{grade['id']}/", api_payload(ended_round),
                        format="json").status_code == 404
    assert stranger.post(f"/api/grades/{grade['id']}/amendments/", {"text": "x"},
                         format="json").status_code == 404
    refusal = stranger.get(url(ended_round)).json()["error"]
    assert (refusal["code"], refusal["message"]) == ("not_found", "No such round of yours.")
    assert Grade.objects.count() == 1
