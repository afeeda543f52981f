"""Named users, the loaded bank, and the real processes the suite talks to."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.services import user_create
from companies.models import Question

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# tests around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Recordings and the worker's scratch copies go to folders of this run, shared with the
# worker and server processes the suite starts (they inherit the environment).
MEDIA_DIR = Path(tempfile.mkdtemp(prefix="mockloop-media-"))
SCRATCH_DIR = Path(tempfile.mkdtemp(prefix="mockloop-scratch-"))
os.environ["MEDIA_ROOT"] = str(MEDIA_DIR)
os.environ["TRANSCRIBE_SCRATCH_DIR"] = str(SCRATCH_DIR)


BROWSER_FIXTURES = {"playwright_driver", "browser", "speaking_browser", "page"}


@pytest.fixture(autouse=True)
def _no_browser_loop_in_other_tests(request):
    """Playwright's sync API leaves its event loop marked as running in the test thread
    once a browser test has run, and `async_to_sync` (a broadcast after a commit) refuses
    to run in such a thread. Tests without a browser run with the mark lifted."""
    loop = asyncio._get_running_loop()
    if loop is None or BROWSER_FIXTURES & set(request.fixturenames):
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)


@pytest.fixture(scope="session", autouse=True)
def _temporary_media():
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=MEDIA_DIR, TRANSCRIBE_SCRATCH_DIR=SCRATCH_DIR):
        yield
    shutil.rmtree(MEDIA_DIR, ignore_errors=True)
    shutil.rmtree(SCRATCH_DIR, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _requires_postgres(django_db_setup, django_db_blocker):
    # The suite is about the real parts: refuse to pass quietly on SQLite.
    if connection.vendor != "postgresql" and not os.environ.get("MOCKLOOP_ALLOW_SQLITE"):
        pytest.exit("The suite runs on PostgreSQL: use `make test` (it starts one).", 2)


@pytest.fixture
def bank(db):
    """The shipped bank, loaded once per database state."""
    if not Question.objects.exists():
        call_command("load_bank", verbosity=0)


def _make_user(username: str, kind: str = "candidate"):
    return user_create(username=username, email=f"{username}@example.test",
                       password=PASSWORD, kind=kind).user


@pytest.fixture
def candidate(db):
    return _make_user("candidate")


@pytest.fixture
def peer(db):
    return _make_user("peer")


@pytest.fixture
def coach(db):
    return _make_user("coach", kind="coach")


@pytest.fixture
def outsider(db):
    return _make_user("outsider")


@pytest.fixture
def candidate_client(client, candidate):
    client.force_login(candidate)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_env() -> dict[str, str]:
    """Environment for a child process that must see the test database."""
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
           f"{settings['NAME']}")
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on Redis, using the test database, consuming the
    default queue and transcription's."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
         "--queues", "celery,transcribe", "--hostname", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=_test_database_env(),
        start_new_session=True,  # as a service manager starts it
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """The product served by uvicorn (HTTP and WebSocket), on the test database."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--loop", "uvloop", "--log-level", "warning"],
        cwd=ROOT, env=_test_database_env(),
    )
    url = f"http://127.0.0.1:{port}"
    _wait_for(f"{url}/healthz", process)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the run (its sync API allows one per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Debian's Chromium driven by Playwright (no downloaded browser), with fake
    microphone devices so rooms can start their voice call."""
    chromium = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream"],
    )
    yield chromium
    chromium.close()


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture
def speaking_browser(playwright_driver):
    """Launch a separate Chromium whose fake microphone plays a WAV file (48 kHz mono,
    looped): one per speaker, since the fake capture file is per browser process."""
    launched = []

    def launch(wav: Path):
        chromium = playwright_driver.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*BROWSER_ARGS, f"--use-file-for-fake-audio-capture={wav}"])
        launched.append(chromium)
        return chromium

    yield launch
    for chromium in launched:
        chromium.close()


def local_only_context(browser, base_url: str, foreign: list[str], **options):
    """A browser context that refuses every request to a non-local host and notes its
    address in `foreign` (the test then fails on it)."""
    context = browser.new_context(base_url=base_url, **options)

    def guard(route):
        host = route.request.url.split("/")[2].split(":")[0]
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture
def page(browser, live_server_url):
    """A fresh browser page that fails the test on any request to a non-local host."""
    foreign: list[str] = []
    context = local_only_context(browser, live_server_url, foreign,
                                 viewport={"width": 1366, "height": 800})
    page = context.new_page()
    yield page
    context.close()
    assert not foreign, f"the page requested non-local hosts: {foreign}"


def browser_login(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture(scope="session", autouse=True)
def _room_writers_disconnected_at_the_end(django_db_setup):
    """Tests that publish room events from this process leave the room writer's thread
    holding a connection; closed here, the test database can be dropped at the end."""
    yield
    from interviews import room_relay

    room_relay.close_writer_connections()
