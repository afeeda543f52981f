"""Numbers beyond 64 bits in a path or a query string are a 404 or a 400, never a server
error, on every route."""

from __future__ import annotations

import re

import pytest

from tests.test_access_matrix import all_routes

HUGE = "9" * 30


def _with_huge_ids(pattern: str) -> str | None:
    """The route with every id replaced by a 30-digit number; None when it has none."""
    if "<id:" not in pattern:
        return None
    url = re.sub(r"<id:\w+>", HUGE, pattern)
    url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
    return "/" + url


@pytest.mark.parametrize("who", ["candidate", "coach"])
def test_huge_ids_in_paths_are_not_found(client, bank, candidate, coach, who):
    client.force_login(candidate if who == "candidate" else coach)
    tried = 0
    for _, pattern in all_routes():
        url = _with_huge_ids(pattern)
        if url is None:
            continue
        tried += 1
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
    assert tried > 30


@pytest.mark.parametrize("query", [
    {"limit": HUGE}, {"offset": HUGE}, {"limit": HUGE, "offset": HUGE},
    {"limit": "-1"}, {"offset": "-5"},
])
def test_absurd_pages_are_answered(candidate_client, bank, query):
    response = candidate_client.get("/api/questions/", query)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert len(response.json()["results"]) <= 200


def test_a_page_holds_at_most_the_ceiling():
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from config.pagination import BoundedLimitOffsetPagination

    request = Request(APIRequestFactory().get("/", {"limit": "100000", "offset": HUGE}))
    paginator = BoundedLimitOffsetPagination()
    assert paginator.paginate_queryset(list(range(500)), request) == []
    request = Request(APIRequestFactory().get("/", {"limit": "100000"}))
    assert len(paginator.paginate_queryset(list(range(500)), request)) == 200
