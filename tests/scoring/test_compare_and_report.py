"""Self-grade first, then both side by side with the gaps; the report and its exports."""

from scoring.models import GapAnnotation
from tests.scoring.conftest import form_data


def grade_both(client, round_, *, peer_level="E5", self_rubric="staff", peer_checklist=None):
    client.force_login(round_.interviewer)
    extra = {} if peer_checklist is None else {"checklist": peer_checklist}
    client.post(f"/grading/round/{round_.pk}/grade/", form_data(
        round_, level=peer_level,
        did_well=(("Asked about scale before drawing.", "00:20"),),
        missing=(("Never priced the design → 5× naïve ✓", "05:05"),), **extra))
    client.force_login(round_.candidate)
    client.post(f"/grading/round/{round_.pk}/grade/", form_data(
        round_, level="E6", rubric_altitude=self_rubric,
        did_well=(("I estimated the request rate.", "02:10"),)))


def test_the_candidate_sees_nothing_of_the_peer_grade_before_self_grading(client,
                                                                          ended_round):
    client.force_login(ended_round.interviewer)
    client.post(f"/grading/round/{ended_round.pk}/grade/", form_data(
        ended_round, level="E5", did_well=(("Asked about scale before drawing.", ""),)))
    client.force_login(ended_round.candidate)
    page = client.get(f"/grading/round/{ended_round.pk}/").content.decode()
    assert "Asked about scale before drawing." not in page
    assert "File your own grade first" in page and "It is already in." in page
    assert "Asked about scale" not in client.get(
        f"/grading/round/{ended_round.pk}/report.md").content.decode()


def test_both_grades_side_by_side_with_gaps(client, ended_round):
    grade_both(client, ended_round)
    page = client.get(f"/grading/round/{ended_round.pk}/").content.decode()
    assert "Asked about scale before drawing." in page
    assert "I estimated the request rate." in page
    assert 'data-testid="comparison"' in page
    assert ('<td>Failure modes</td><td>senior</td><td>staff</td><td>'
            '<span class="warn">+1</span>') in page.replace("\n", "")


def test_gap_annotations_leave_the_self_grade_as_filed(client, ended_round):
    grade_both(client, ended_round)
    response = client.post(f"/grading/round/{ended_round.pk}/grade/",
                           form_data(ended_round, level="E5"))
    assert response.status_code == 302  # frozen: sent back to the report
    own = ended_round.grades.get(kind="self")
    client.post(f"/grading/grade/{own.pk}/annotate/",
                {"dimension": "failure-modes", "text": "Name the cache stampede."})
    assert GapAnnotation.objects.get().text == "Name the cache stampede."
    own.refresh_from_db()
    assert own.level == "E6"
    assert "Failure modes:</b> Name the cache stampede." in client.get(
        f"/grading/round/{ended_round.pk}/").content.decode()


def test_the_candidate_is_told_when_verdict_and_checklist_disagree(client, ended_round):
    grade_both(client, ended_round, peer_level="E6", peer_checklist=())
    page = client.get(f"/grading/round/{ended_round.pk}/").content.decode()
    assert "The verdict (staff) and the checklist (junior) are 2 altitudes apart." in page


def test_markdown_export_holds_the_report_in_the_interviewer_notes_layout(client,
                                                                          ended_round):
    grade_both(client, ended_round)
    segment = ended_round.transcript.get(start_seconds=20)
    markdown = client.get(f"/grading/round/{ended_round.pk}/report.md")
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    text = markdown.content.decode()
    order = ["# ", "## The question", f"## Interviewer notes by {ended_round.interviewer}",
             "### What the candidate did well",
             "- Asked about scale before drawing. [00:20](http://127.0.0.1:8000/mocks/round/"
             f"{ended_round.pk}/transcript/?t=20.0#seg-{segment.pk})",
             "### What was missing or under-developed", "- Never priced the design → 5× naïve ✓",
             "### Verdict", "**E5** (senior) · Hire", "### Rubric", "| Failure modes | senior |",
             "### The five self-grade questions", "### Grading checklist",
             f"## Self-grade by {ended_round.candidate}", "- I estimated the request rate.",
             "## Calibration gap", "| Failure modes | senior | staff | +1 |", "## Transcript",
             "**CANDIDATE:** First, how many users and what latency?"]
    positions = [text.index(piece) for piece in order]
    assert positions == sorted(positions)


def test_pdf_export_carries_text_beyond_latin_1(client, ended_round):
    grade_both(client, ended_round)
    response = client.get(f"/grading/round/{ended_round.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"DejaVu" in response.content
