"""Posting, editing and cancelling requests by page and API; bad input; other people's data."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from interviews import services
from interviews.models import AvailabilityWindow, MockRequest
from tests.interviews.conftest import post_request, window


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(day, start="18:00", end="21:00", **overrides):
    data = {
        "companies": [], "target_level": "senior", "role_track": "ml-engineer",
        "question_types": ["design"],
        "windows-TOTAL_FORMS": "3", "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0", "windows-MAX_NUM_FORMS": "10",
        "windows-0-date": day.isoformat(), "windows-0-start": start, "windows-0-end": end,
    }
    data.update(overrides)
    return data


def test_the_form_takes_windows_in_the_users_time_zone(candidate_client, candidate, bank,
                                                       slot):
    profile = candidate.profile
    profile.time_zone = "Europe/Berlin"
    profile.save()
    day = slot.date()
    response = candidate_client.post("/mocks/request/new/", form_data(day))
    assert response.status_code == 302
    (stored,) = AvailabilityWindow.objects.filter(request__user=candidate)
    # 18:00 in Berlin in winter is 17:00 UTC.
    assert stored.starts_at == datetime.combine(day, datetime.min.time(), UTC).replace(hour=17)
    assert stored.ends_at - stored.starts_at == timedelta(hours=3)


@pytest.mark.parametrize("overrides, message", [
    ({"windows-0-date": "2020-01-06"}, "is in the past"),
    ({"windows-0-start": "18:00", "windows-0-end": "18:30"}, "shorter than a session"),
    ({"windows-1-date": "SAME", "windows-1-start": "20:00", "windows-1-end": "23:00"},
     "windows overlap"),
    ({"companies": ["999999"]}, "Select a valid choice"),
    ({"target_level": "overlord"}, "Select a valid choice"),
    ({"windows-0-date": "", "windows-0-start": "", "windows-0-end": ""},
     "at least one availability window"),
])
def test_bad_requests_are_refused_and_store_nothing(candidate_client, bank, slot, overrides,
                                                    message):
    data = form_data(slot.date())
    if overrides.get("windows-1-date") == "SAME":
        overrides = {**overrides, "windows-1-date": slot.date().isoformat()}
    data.update(overrides)
    response = candidate_client.post("/mocks/request/new/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert not MockRequest.objects.exists()


def test_a_window_already_offered_by_another_open_request_is_refused(candidate, bank, slot):
    post_request(candidate, [window(slot, 3)])
    with pytest.raises(services.BookingError, match="already offers"):
        post_request(candidate, [window(slot + timedelta(hours=1), 3)])
    assert MockRequest.objects.count() == 1


def test_editing_replaces_the_windows(candidate_client, candidate, bank, slot):
    request = post_request(candidate, [window(slot, 3)])
    later = slot + timedelta(days=1)
    response = candidate_client.post(f"/mocks/request/{request.pk}/edit/",
                                     form_data(later.date(), "10:00", "13:00"))
    assert response.status_code == 302
    (stored,) = request.windows.all()
    assert stored.starts_at.date() == later.date()


def test_someone_elses_request_is_a_404_everywhere(client, outsider, candidate, bank, slot):
    request = post_request(candidate, [window(slot, 3)])
    client.force_login(outsider)
    assert client.get(f"/mocks/request/{request.pk}/edit/").status_code == 404
    assert client.post(f"/mocks/request/{request.pk}/cancel/").status_code == 404
    assert client.get(f"/api/mock-requests/{request.pk}/").status_code == 404
    assert client.post(f"/api/mock-requests/{request.pk}/cancel/").status_code == 404
    assert client.get("/api/mock-requests/").json() == []
    request.refresh_from_db()
    assert request.status == MockRequest.Status.OPEN


def test_cancelling_an_open_request(candidate_client, candidate, bank, slot):
    request = post_request(candidate, [window(slot, 3)])
    assert candidate_client.post(f"/mocks/request/{request.pk}/cancel/").status_code == 302
    request.refresh_from_db()
    assert request.status == MockRequest.Status.CANCELLED


def api_payload(start: datetime, **overrides):
    payload = {"companies": ["openai"], "target_level": "senior",
               "role_track": "ml-systems-engineer", "question_types": ["design", "debug"],
               "focus_areas": ["llm-serving"],
               "windows": [{"starts_at": start.isoformat(),
                            "ends_at": (start + timedelta(hours=2)).isoformat()}]}
    payload.update(overrides)
    return payload


def test_the_api_posts_lists_and_cancels_requests(candidate_client, bank, slot):
    response = candidate_client.post("/api/mock-requests/", api_payload(slot),
                                     content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["companies"] == ["openai"] and created["status"] == "open"
    assert len(candidate_client.get("/api/mock-requests/").json()) == 1
    cancel = candidate_client.post(f"/api/mock-requests/{created['id']}/cancel/")
    assert cancel.json()["status"] == "cancelled"
    again = candidate_client.post(f"/api/mock-requests/{created['id']}/cancel/")
    assert again.status_code == 400
    assert "already cancelled" in again.json()["error"]["fields"]["non_field_errors"][0]


@pytest.mark.parametrize("overrides, field, message", [
    ({"companies": ["initech"]}, "companies", "does not exist"),
    ({"windows": []}, "windows", "at least one availability window"),
    ({"question_types": ["karaoke"]}, "question_types", "not a valid choice"),
])
def test_the_api_refuses_bad_requests_precisely(candidate_client, bank, slot, overrides, field,
                                                message):
    response = candidate_client.post("/api/mock-requests/", api_payload(slot, **overrides),
                                     content_type="application/json")
    assert response.status_code == 400
    assert message in str(response.json()["error"]["fields"][field])
    assert not MockRequest.objects.exists()


def test_the_api_refuses_a_window_that_ends_before_it_starts(candidate_client, bank, slot):
    payload = api_payload(slot, windows=[{"starts_at": slot.isoformat(),
                                          "ends_at": (slot - timedelta(hours=1)).isoformat()}])
    response = candidate_client.post("/api/mock-requests/", payload,
                                     content_type="application/json")
    assert response.status_code == 400
    assert "ends before it starts" in response.json()["error"]["fields"]["windows"][0]


def test_the_api_refuses_a_time_without_its_utc_offset(candidate_client, bank, slot):
    naive = slot.replace(tzinfo=None)
    payload = api_payload(slot, windows=[{"starts_at": naive.isoformat(),
                                          "ends_at": (naive + timedelta(hours=2)).isoformat()}])
    response = candidate_client.post("/api/mock-requests/", payload,
                                     content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]["windows"]["0"]
    assert "UTC offset" in fields["starts_at"][0] and "UTC offset" in fields["ends_at"][0]
    assert not MockRequest.objects.exists()


def test_the_api_needs_a_login(client):
    assert client.get("/api/mock-requests/").status_code == 403
    assert client.get("/api/sessions/").status_code == 403


def test_sessions_are_visible_to_their_two_people_only(client, candidate, peer, outsider,
                                                       bank, slot):
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    (session,) = services.match_open_requests()
    round_one = session.rounds.get(number=1)
    client.force_login(candidate)
    body = client.get(f"/api/sessions/{session.pk}/").json()
    assert body["peer"] == "peer"
    by_number = {r["number"]: r for r in body["rounds"]}
    assert by_number[1]["question"]["slug"] == round_one.question.slug
    assert by_number[2]["question"] is None  # the candidate does not see their question
    page = text(client.get(f"/mocks/session/{session.pk}/"))
    assert round_one.question.title in page
    assert session.rounds.get(number=2).question.title not in page
    assert client.get(f"/mocks/session/{session.pk}/calendar.ics").status_code == 200

    client.force_login(outsider)
    for url in (f"/mocks/session/{session.pk}/", f"/mocks/session/{session.pk}/calendar.ics",
                f"/api/sessions/{session.pk}/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/mocks/session/{session.pk}/cancel/", f"/mocks/session/{session.pk}/no-show/",
                f"/api/sessions/{session.pk}/cancel/", f"/api/sessions/{session.pk}/no-show/",
                f"/mocks/round/{round_one.pk}/swap/",
                f"/api/rounds/{round_one.pk}/swap-question/"):
        assert client.post(url).status_code == 404, url
    assert client.get("/api/sessions/").json() == []
    session.refresh_from_db()
    assert session.is_scheduled


def test_the_api_cancels_and_reports_with_clear_errors(client, candidate, peer, bank, slot):
    post_request(candidate, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    (session,) = services.match_open_requests()
    client.force_login(peer)
    early = client.post(f"/api/sessions/{session.pk}/no-show/")
    assert early.status_code == 400
    assert "once the mock has started" in str(early.json()["error"]["fields"])
    past = client.post(f"/api/sessions/{session.pk}/reschedule/",
                       {"starts_at": "2020-01-01T10:00:00Z"}, content_type="application/json")
    assert past.status_code == 400 and "in the past" in str(past.json())
    naive = client.post(f"/api/sessions/{session.pk}/reschedule/",
                        {"starts_at": "2030-01-01T10:00:00"}, content_type="application/json")
    assert naive.status_code == 400 and "UTC offset" in str(naive.json())
    session.refresh_from_db()
    assert session.starts_at == slot
    cancelled = client.post(f"/api/sessions/{session.pk}/cancel/")
    assert cancelled.json()["status"] == "cancelled"


def test_the_api_defaults_companies_level_and_track_from_the_profile(candidate_client,
                                                                     candidate, bank, slot):
    from companies.models import Company, RoleTrack

    profile = candidate.profile
    profile.target_level = "staff"
    profile.role_track = RoleTrack.objects.get(slug="research-engineer")
    profile.save()
    profile.target_companies.set(Company.objects.filter(slug__in=["xai", "mistral"]))
    payload = {"question_types": ["any"],
               "windows": [{"starts_at": slot.isoformat(),
                            "ends_at": (slot + timedelta(hours=2)).isoformat()}]}
    created = candidate_client.post("/api/mock-requests/", payload,
                                    content_type="application/json").json()
    assert created["target_level"] == "staff"
    assert created["role_track"] == "research-engineer"
    assert sorted(created["companies"]) == ["mistral", "xai"]


def test_a_request_whose_windows_have_passed_expires(candidate_client, candidate, bank,
                                                     client, outsider):
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    posted_at = now - timedelta(days=2)
    passed = post_request(candidate, [window(now - timedelta(days=1), 2)], now=posted_at)
    # What is left of this window is too short for a session.
    too_short = post_request(candidate, [(now - timedelta(hours=1),
                                          now + services.session_length() - timedelta(minutes=1))],
                             now=posted_at)
    waiting = post_request(candidate, [window(now + timedelta(days=1), 2)], now=posted_at)

    services.match_open_requests()

    statuses = dict(MockRequest.objects.values_list("pk", "status"))
    assert statuses == {passed.pk: "expired", too_short.pk: "expired", waiting.pk: "open"}
    page = text(candidate_client.get("/mocks/"))
    assert f"Request #{passed.pk} expired" in page and "Book again with new times" in page
    assert page.count("passed without a peer") == 2  # `passed` and `too_short`
    assert "offered by your other open requests" not in page
    cancel = candidate_client.post(f"/api/mock-requests/{passed.pk}/cancel/")
    assert cancel.status_code == 400
    assert "already expired" in str(cancel.json())
    # Someone else's dashboard shows none of it.
    client.force_login(outsider)
    assert f"Request #{passed.pk}" not in text(client.get("/mocks/"))
