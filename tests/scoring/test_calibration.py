"""Example reports double as calibration: grade blind, then see the reference and a score,
which then shows beside every grade the user gives."""

import pytest

from scoring import services
from scoring.models import Example, Grade
from scoring.subjects import subject_for_example
from tests.scoring.conftest import form_data

REFERENCE_BULLET = "Asked for users and latency before drawing anything."
URL = "/grading/examples/test-feed-ranker/"


@pytest.fixture
def example(examples):
    return Example.objects.get(slug="test-feed-ranker")


def calibration_form(example, **changes):
    data = form_data(subject_for_example(example), level="E5",
                     did_well=(("Clarified scale first.", "00:20"),),
                     checklist=("derived-number", "failure-mode-mitigation"))
    data.update(changes)
    return data


def test_the_reference_stays_hidden_until_graded_blind(client, example, peer):
    client.force_login(peer)
    before = client.get(URL).content.decode()
    assert "Please sketch a ranking service for our feed." in before
    assert REFERENCE_BULLET not in before
    response = client.post(f"{URL}grade/", calibration_form(example))
    assert response.status_code == 302
    after = client.get(URL).content.decode()
    assert REFERENCE_BULLET in after
    # Rubric all senior against a reference of four senior and three junior cells.
    assert "Your calibration score on this example: <b>93/100</b>" in after
    assert "Clarified scale first." in after


def test_calibration_shows_beside_later_grades(client, example, ended_round):
    interviewer, candidate = ended_round.interviewer, ended_round.candidate
    client.force_login(interviewer)
    client.post(f"{URL}grade/", calibration_form(example))
    form_page = client.get(f"/grading/round/{ended_round.pk}/grade/").content.decode()
    assert "<b>93/100</b> over 1 example (grades higher than the reference)" in form_page
    client.post(f"/grading/round/{ended_round.pk}/grade/", form_data(ended_round, level="E5"))
    client.force_login(candidate)
    client.post(f"/grading/round/{ended_round.pk}/grade/", form_data(ended_round, level="E5"))
    report = client.get(f"/grading/round/{ended_round.pk}/").content.decode()
    assert "grader calibration:\n      93/100 over 1 example" in report


def test_reading_the_reference_first_forfeits_calibration(client, example, peer):
    client.force_login(peer)
    client.post(f"{URL}reveal/")
    assert REFERENCE_BULLET in client.get(URL).content.decode()
    assert client.get(f"{URL}grade/").status_code == 302
    with pytest.raises(services.GradingError, match="would not be blind"):
        services.calibration_submit(example=example, author=peer, data=services.GradeInput())
    assert not Grade.objects.filter(kind=Grade.Kind.CALIBRATION).exists()


def test_a_bad_calibration_grade_is_refused(client, example, peer):
    client.force_login(peer)
    response = client.post(f"{URL}grade/", calibration_form(example, level="IC5"))
    assert response.status_code == 400
    assert "is not a level on Meta (GenAI)&#x27;s ladder" in response.content.decode()
    assert REFERENCE_BULLET not in client.get(URL).content.decode()
