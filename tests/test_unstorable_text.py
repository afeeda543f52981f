"""Text PostgreSQL cannot store (the NUL character, an unpaired surrogate) is refused at
every HTTP input with a precise message, and nothing stored changes. JSON carries either
as a \\u escape, as a browser's JSON.stringify writes them; a form carries NUL as %00."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from coaching.models import CoachComment, CoachLink
from interviews import services as booking_services
from interviews.models import MockRequest, NoShowReport
from scoring.models import GapAnnotation, Grade, GradeAmendment
from tests.interviews import conftest as booking
from tests.scoring import conftest as grading
from tests.scoring.test_compare_and_report import grade_both

# The booking and grading tests' fixtures, used here by name.
slot = booking.slot
booked_session = booking.booked_session
tasks_run_in_this_process = booking.tasks_run_in_this_process
ended_round = grading.ended_round

MESSAGE = "Text may not contain the NUL character (\\u0000) or an unpaired surrogate."
NUL = "a\x00b"
SURROGATE = "a\ud800b"


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_json(client: APIClient, url: str, body):
    # json.dumps writes both as \u escapes (APIClient's own JSON cannot encode a surrogate).
    return client.post(url, json.dumps(body), content_type="application/json")


def request_body(**overrides) -> dict:
    body = {"companies": ["meta"], "target_level": "senior", "role_track": "ml-engineer",
            "question_types": ["any"], "windows": []}
    return {**body, **overrides}


# --- the API: JSON and form bodies -------------------------------------------------------


@pytest.mark.parametrize(("overrides", "field"), [
    ({"companies": [NUL]}, "companies[0]"),  # a slug looked up in the database
    ({"role_track": NUL}, "role_track"),
    ({"question_types": [SURROGATE]}, "question_types[0]"),  # echoed by "not a valid choice"
])
def test_the_mock_request_api_refuses_unstorable_text(booked_session, candidate, overrides,
                                                      field):
    before = MockRequest.objects.filter(user=candidate).count()
    response = post_json(api_client(candidate), "/api/mock-requests/", request_body(**overrides))
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid",
                                         "message": "The request has invalid fields.",
                                         "fields": {field: [MESSAGE]}}
    assert MockRequest.objects.filter(user=candidate).count() == before


@pytest.mark.parametrize(("fields", "named"), [
    ({"companies": ["meta"], "role_track": NUL}, "role_track"),  # sent once: its name
    ({"companies": ["meta", NUL], "role_track": "ml-engineer"}, "companies[1]"),
])
def test_a_form_post_to_the_api_is_refused_too(booked_session, candidate, fields, named):
    before = MockRequest.objects.filter(user=candidate).count()
    response = api_client(candidate).post("/api/mock-requests/", {
        **fields, "question_types": ["any"]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {named: [MESSAGE]}
    assert MockRequest.objects.filter(user=candidate).count() == before


def test_json_nested_too_deeply_is_refused_not_a_crash(booked_session, candidate):
    before = MockRequest.objects.filter(user=candidate).count()
    response = api_client(candidate).post("/api/mock-requests/", "[" * 100_000,
                                          content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]["message"]
    assert MockRequest.objects.filter(user=candidate).count() == before


def test_the_swap_api_refuses_a_nul_question_slug(booked_session):
    round_ = booked_session.rounds.get(number=1)
    response = post_json(api_client(round_.interviewer),
                         f"/api/rounds/{round_.pk}/swap-question/", {"question": NUL})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"question": [MESSAGE]}
    assert booked_session.rounds.get(number=1).question_id == round_.question_id


def _with_bad_rubric_key(payload):
    payload["rubric"][SURROGATE] = "senior"


def _with_bad_self_grade_key(payload):
    payload["self_grade"][SURROGATE] = {"answer": "yes"}


def _with_bad_checklist_value(payload):
    payload["checklist"]["closest-column"] = SURROGATE


@pytest.mark.parametrize(("spoil", "field"), [
    (_with_bad_rubric_key, "rubric"),  # a key is never echoed back
    (_with_bad_self_grade_key, "self_grade"),
    (_with_bad_checklist_value, "checklist.closest-column"),
])
def test_the_grades_api_refuses_unstorable_keys_and_values(ended_round, spoil, field):
    payload = grading.api_payload(ended_round)
    spoil(payload)
    response = post_json(api_client(ended_round.interviewer),
                         f"/api/rounds/{ended_round.pk}/grades/", payload)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [MESSAGE]}
    assert not Grade.objects.exists()


# --- pages whose views read a posted field themselves ------------------------------------


def test_a_no_show_dispute_with_a_nul_is_refused(client, booked_session, candidate, peer):
    booking_services.no_show_report(session=booked_session, reporter=candidate,
                                    now=booked_session.starts_at + timedelta(minutes=10))
    report = NoShowReport.objects.get()
    client.force_login(peer)
    response = client.post(f"/mocks/no-show/{report.pk}/dispute/",
                           {"note": f"I was there {NUL}"}, follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    report.refresh_from_db()
    assert not report.disputed and report.dispute_note == ""


def test_an_amendment_with_a_nul_is_refused(client, ended_round):
    grade_both(client, ended_round)
    grade = ended_round.grades.get(kind="peer")
    client.force_login(ended_round.interviewer)
    response = client.post(f"/grading/grade/{grade.pk}/amend/", {"text": NUL}, follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not GradeAmendment.objects.exists()


def test_a_gap_annotation_with_a_nul_is_refused(client, ended_round):
    grade_both(client, ended_round)
    own = ended_round.grades.get(kind="self")
    client.force_login(ended_round.candidate)
    response = client.post(f"/grading/grade/{own.pk}/annotate/",
                           {"dimension": "", "text": NUL}, follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not GapAnnotation.objects.exists()


def test_a_coach_comment_with_a_nul_is_refused(client, ended_round, coach):
    CoachLink.objects.create(candidate=ended_round.candidate, coach=coach,
                             started_by="coach", status="active")
    client.force_login(coach)
    response = client.post(f"/coaching/round/{ended_round.pk}/comments/", {"text": NUL},
                           follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not CoachComment.objects.exists()


# --- a token in the address ----------------------------------------------------------------


def test_an_invitation_token_with_a_nul_is_not_found(client, candidate, coach):
    link = CoachLink.objects.create(candidate=candidate, invited_email=coach.email,
                                    started_by="candidate")
    client.force_login(coach)
    assert client.get("/coaching/accept/a%00b/").status_code == 404
    assert client.post("/coaching/accept/a%00b/").status_code == 404
    link.refresh_from_db()
    assert link.status == CoachLink.Status.PENDING and link.coach is None


def test_a_session_cookie_with_a_nul_is_no_session_not_an_error(client, db):
    client.cookies["sessionid"] = "\x00abcdefghijk"
    response = client.get("/mocks/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- query strings -------------------------------------------------------------------------


def test_a_nul_in_a_query_parameter_is_refused_everywhere(client, admin_client, bank):
    api = client.get("/api/questions/?company=a%00b")
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {"company": [MESSAGE]}
    page = client.get("/bank/?q=%00")
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    admin = admin_client.get("/admin/companies/question/?collection=a%00b")
    assert admin.status_code == 400
    assert client.get("/bank/?q=feature+store").status_code == 200
