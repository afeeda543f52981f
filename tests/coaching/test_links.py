"""Coach links: started by either side, accepted by the other, ended by either."""

from __future__ import annotations

import pytest
from django.core import mail

from coaching.models import CoachLink
from coaching.selectors import coach_shares, linked_candidate_ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tasks_run_in_this_process():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def invite(client, candidate, email):
    client.force_login(candidate)
    return client.post("/coaching/", {"email": email})


def test_a_candidate_invites_a_coach_by_email(client, candidate, coach,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, candidate, coach.email)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [coach.email]
    link = CoachLink.objects.get()
    assert f"/coaching/accept/{link.token}/" in message.body
    assert "grades" not in coach_shares(coach, candidate.pk)

    client.force_login(coach)
    page = client.get(f"/coaching/accept/{link.token}/")
    assert "invites you to coach them" in page.content.decode()
    client.post(f"/coaching/accept/{link.token}/")
    link.refresh_from_db()
    assert link.status == "active" and link.coach == coach
    assert "grades" in coach_shares(coach, candidate.pk)
    assert linked_candidate_ids(coach) == [candidate.pk]
    # the token is single-use
    assert client.get(f"/coaching/accept/{link.token}/").status_code == 404


def test_a_coach_link_is_accepted_by_a_candidate_choosing_what_to_share(client, candidate,
                                                                       coach):
    client.force_login(coach)
    client.post("/coaching/link/new/")
    link = CoachLink.objects.get()
    assert link.token in client.get("/coaching/").content.decode()

    client.force_login(candidate)
    client.post(f"/coaching/accept/{link.token}/",
                {"grades": "on", "reports": "on", "upcoming": "on"})
    link.refresh_from_db()
    assert link.candidate == candidate and link.is_active
    assert "reports" in coach_shares(coach, candidate.pk)
    assert "transcripts" not in coach_shares(coach, candidate.pk)


def test_the_wrong_kind_of_account_cannot_accept(client, candidate, peer, coach):
    client.force_login(coach)
    client.post("/coaching/link/new/")
    link = CoachLink.objects.get()
    client.force_login(coach)  # a coach may not accept a coach's own link
    response = client.post(f"/coaching/accept/{link.token}/", follow=True)
    assert "coaches cannot accept it" in response.content.decode()

    invite(client, candidate, "someone@example.test")
    emailed = CoachLink.objects.get(started_by="candidate")
    client.force_login(peer)  # a candidate account cannot accept a coach invitation
    response = client.post(f"/coaching/accept/{emailed.token}/", follow=True)
    assert "for a coach account" in response.content.decode()
    assert not CoachLink.objects.filter(status="active").exists()


def test_bad_invitations_are_refused_with_a_message(client, candidate):
    response = invite(client, candidate, "not-an-email")
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    response = invite(client, candidate, candidate.email)
    assert "your own email address" in response.content.decode()
    assert not CoachLink.objects.exists()


def test_either_side_ends_the_link_and_access_goes_at_once(client, candidate, coach):
    link = CoachLink.objects.create(candidate=candidate, coach=coach, started_by="coach",
                                    status="active")
    client.force_login(coach)
    client.post(f"/coaching/link/{link.pk}/end/")
    link.refresh_from_db()
    assert link.status == "ended" and link.ended_by == coach
    assert "grades" not in coach_shares(coach, candidate.pk)
    assert linked_candidate_ids(coach) == []


def test_the_candidate_changes_what_is_shared(client, candidate, coach):
    link = CoachLink.objects.create(candidate=candidate, coach=coach, started_by="coach",
                                    status="active")
    client.force_login(candidate)
    client.post(f"/coaching/link/{link.pk}/shares/", {f"link{link.pk}-grades": "on"})
    link.refresh_from_db()
    assert link.shared == ["grades"]
    client.force_login(coach)  # only the candidate decides
    client.post(f"/coaching/link/{link.pk}/shares/", {f"link{link.pk}-reports": "on"})
    link.refresh_from_db()
    assert link.shared == ["grades"]


def test_it_validates_ownership(client, candidate, coach, outsider):
    link = CoachLink.objects.create(candidate=candidate, coach=coach, started_by="coach",
                                    status="active")
    client.force_login(outsider)
    assert client.post(f"/coaching/link/{link.pk}/end/").status_code == 404
    assert client.post(f"/coaching/link/{link.pk}/shares/", {}).status_code == 404
    link.refresh_from_db()
    assert link.is_active
