"""The whole API fuzzed against its own OpenAPI schema (schemathesis), as a signed-in user
with a booked mock: no input may cause a server error or a response the schema does not
describe."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import _make_user
from tests.interviews.conftest import next_monday_utc, post_request, window

CSRF = "fuzzingcsrftokenfortheapitests01"  # 32 characters, as Django's own secrets

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def in_process_requests():
    """The WSGI handler closes the database connection after each request; here it is the
    test's own, inside its transaction (Django's test client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in(db, bank, client, in_process_requests):
    """A candidate with an open request and a booked mock: ids the fuzzer may hit."""
    from interviews import services

    user, peer = _make_user("fuzzer"), _make_user("fuzz-peer")
    slot = next_monday_utc()
    post_request(user, [window(slot, 2)])
    post_request(peer, [window(slot, 2)])
    services.match_open_requests()
    post_request(user, [window(slot.replace(hour=10), 2)])
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF}


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_every_input_within_its_schema(case, signed_in):
    case.call_and_validate(headers=signed_in, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance])
