"""Sign up, log in and out, password reset, and the profile."""

from __future__ import annotations

import html
import re

from django.contrib.auth import get_user_model
from django.core import mail

from accounts.models import Profile
from companies.models import Company
from tests.conftest import PASSWORD


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_signing_up_creates_a_candidate_and_logs_them_in(client, bank):
    response = client.post("/accounts/signup/", {
        "username": "newbie", "email": "newbie@example.test", "kind": "candidate",
        "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    profile = Profile.objects.get(user__username="newbie")
    assert profile.kind == "candidate"
    assert client.get("/accounts/profile/").status_code == 200


def test_a_bad_signup_explains_itself_and_creates_nobody(client, candidate):
    response = client.post("/accounts/signup/", {
        "username": "second", "email": "candidate@example.test", "kind": "candidate",
        "password1": "short", "password2": "other",
    })
    assert response.status_code == 400
    page = text(response)
    assert "already exists" in page
    assert "didn’t match" in page or "didn't match" in page
    assert not get_user_model().objects.filter(username="second").exists()


def test_log_in_and_out(client, candidate):
    response = client.post("/login/", {"username": "candidate", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post("/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_is_refused(client, candidate):
    response = client.post("/login/", {"username": "candidate", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in text(response)


def test_password_reset_sends_a_working_link(client, candidate):
    client.post("/accounts/password-reset/", {"email": "candidate@example.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "another-long-passphrase-7"
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    signed_in = client.post("/login/", {"username": "candidate", "password": new_password})
    assert signed_in.status_code == 302


def test_the_profile_holds_targets_level_track_and_time_zone(candidate_client, candidate, bank):
    response = candidate_client.post("/accounts/profile/", {
        "display_name": "Cand", "target_companies": [Company.objects.get(slug="meta").pk],
        "target_level": "staff", "role_track": "", "time_zone": "Asia/Tokyo",
    })
    assert response.status_code == 302
    profile = Profile.objects.get(user=candidate)
    assert profile.target_level == "staff" and profile.time_zone == "Asia/Tokyo"
    assert list(profile.target_companies.values_list("slug", flat=True)) == ["meta"]


def test_a_bad_profile_is_refused_and_nothing_changes(candidate_client, candidate, bank):
    response = candidate_client.post("/accounts/profile/", {
        "display_name": "Changed", "target_level": "emperor", "time_zone": "Mars/Olympus",
    })
    assert response.status_code == 400
    page = text(response)
    assert "Mars/Olympus" in page and "emperor" in page
    profile = Profile.objects.get(user=candidate)
    assert profile.display_name == "" and profile.time_zone == "UTC"


def test_the_profile_needs_a_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and "/login/" in response["Location"]
