"""Guessing passwords is slowed down: after the limit, sign-in pauses for the account and
the address, with a message that says so and for how long."""

from __future__ import annotations

from tests.conftest import PASSWORD


def _login(client, username, password, address="203.0.113.7"):
    return client.post("/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_wrong_passwords_pause_the_account_then_it_works_again(client, candidate, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "candidate", "wrong-guess").status_code == 200
    locked = _login(client, "candidate", "wrong-guess")
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "0:15:00" in locked.content.decode()
    # The right password from elsewhere waits too: the account itself is paused.
    assert _login(client, "candidate", PASSWORD, address="198.51.100.9").status_code == 429

    from axes.utils import reset

    reset(username="candidate")
    reset(ip="203.0.113.7")
    assert _login(client, "candidate", PASSWORD).status_code == 302


def test_a_success_clears_the_count(client, candidate, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "candidate", "wrong-guess")
    assert _login(client, "candidate", PASSWORD).status_code == 302
    client.logout()
    assert _login(client, "candidate", "wrong-guess").status_code == 200
