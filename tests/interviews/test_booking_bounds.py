"""A request's windows are bounded in number, length and reach, so the matcher's work is
bounded by settings, never by what someone posts."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from interviews import matching
from interviews.models import AvailabilityWindow, MockRequest
from tests.interviews.test_requests_and_permissions import form_data


def _post(client, windows):
    payload = {"question_types": ["any"], "target_level": "senior",
               "role_track": "ml-engineer",
               "windows": [{"starts_at": s.isoformat(), "ends_at": e.isoformat()}
                           for s, e in windows]}
    return client.post("/api/mock-requests/", payload, content_type="application/json")


def test_a_window_to_the_year_9999_is_refused_naming_the_field(candidate_client, bank, slot):
    response = candidate_client.post("/api/mock-requests/", {
        "question_types": ["any"], "target_level": "senior", "role_track": "ml-engineer",
        "windows": [{"starts_at": slot.isoformat(), "ends_at": "9999-12-30T00:00:00Z"}]},
        content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "windows" in fields and "must end within 60 days" in str(fields["windows"])
    assert not MockRequest.objects.exists()


@pytest.mark.parametrize("make, message", [
    (lambda s: [(s, s + timedelta(hours=17))], "lasts at most 16 hours"),
    (lambda s: [(s + timedelta(days=59, hours=22), s + timedelta(days=60, hours=2))],
     "must end within 60 days"),
    (lambda s: [(s + timedelta(days=d), s + timedelta(days=d, hours=2)) for d in range(11)],
     "At most 10 windows"),
])
def test_windows_past_the_bounds_are_refused(candidate_client, bank, slot, make, message):
    response = _post(candidate_client, make(slot))
    assert response.status_code == 400
    assert message in str(response.json()["error"]["fields"]["windows"])
    assert not AvailabilityWindow.objects.exists()


def test_the_form_refuses_a_window_too_long(candidate_client, bank, slot):
    response = candidate_client.post("/mocks/request/new/",
                                     form_data(slot.date(), start="00:15", end="23:45"))
    assert response.status_code == 400
    assert "lasts at most 16 hours" in html.unescape(response.content.decode())


def test_the_bounds_are_settings(candidate_client, bank, slot, settings):
    settings.MOCK_WINDOW_MAX_HOURS = 2
    assert _post(candidate_client, [(slot, slot + timedelta(hours=3))]).status_code == 400
    assert _post(candidate_client, [(slot, slot + timedelta(hours=2))]).status_code == 201


def test_the_matcher_never_walks_past_its_horizon():
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    stored = matching.OpenRequest(
        request_id=1, user_id=1, created_at=now, companies=frozenset(), level_rank=1,
        role_track="mle", focus_areas=frozenset(),
        windows=((now, datetime(9999, 12, 30, tzinfo=UTC)),))
    rules = matching.MatchRules(horizon=timedelta(days=2))
    starts = matching.feasible_starts(stored, rules, now)
    assert max(starts) <= now + timedelta(days=2)
    assert len(starts) <= 2 * 48
