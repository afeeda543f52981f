"""scripts/test_services.py, which `make test` and the benchmarks start PostgreSQL with: a
port taken by a socket that does not listen delays the start; it does not fail it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = """
import sys
sys.path.insert(0, "scripts")
import test_services
test_services.PG_RETRY_SECONDS = float(sys.argv[1])
test_services.PG_START_ATTEMPTS = int(sys.argv[2])
print(test_services.ensure_postgres())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def own_temp_dir():
    """A temporary directory of its own (so a cluster of its own), which the postgres
    account can enter when the suite runs as root."""
    path = Path(tempfile.mkdtemp(prefix="mockloop-pg-start-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    data_dir = path / f"mockloop-test-services-{os.getuid()}" / "pg"
    if (data_dir / "postmaster.pid").exists():
        pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
        command = [str(pg_ctl), "-D", str(data_dir), "-m", "immediate", "stop"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=True)


def start_postgres(temp_dir: Path, port: int, retry_seconds: float, attempts: int):
    env = {**os.environ, "TMPDIR": str(temp_dir), "MOCKLOOP_TEST_PG_PORT": str(port)}
    return subprocess.run([sys.executable, "-c", START, str(retry_seconds), str(attempts)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def hold(port: int) -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))  # bound, never listening
    return holder


def test_a_port_that_stays_taken_fails_with_the_servers_own_words(own_temp_dir):
    port = free_port()
    with hold(port):
        started = start_postgres(own_temp_dir, port, retry_seconds=0.2, attempts=2)
    assert started.returncode != 0
    assert f"PostgreSQL did not start on 127.0.0.1:{port}" in started.stderr
    assert "Address already in use" in started.stderr
    assert "trying again in 0.2 s (1/1)" in started.stderr


def test_a_port_let_go_while_retrying_gets_a_running_server(own_temp_dir):
    port = free_port()
    holder = hold(port)
    threading.Timer(3.0, holder.close).start()
    started = start_postgres(own_temp_dir, port, retry_seconds=1.0, attempts=10)
    assert started.returncode == 0, started.stderr
    assert "is taken although nothing listens there; trying again" in started.stderr
    assert started.stdout.strip() == f"postgres://mockloop@127.0.0.1:{port}/mockloop"
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_a_server_left_on_another_port_is_moved_to_the_one_asked_for(own_temp_dir):
    first, second = free_port(), free_port()
    while second == first:
        second = free_port()
    assert start_postgres(own_temp_dir, first, retry_seconds=0.2, attempts=2).returncode == 0

    moved = start_postgres(own_temp_dir, second, retry_seconds=0.2, attempts=2)

    assert moved.returncode == 0, moved.stderr
    assert f"on port {first}, to start it on {second}" in moved.stderr
    assert moved.stdout.strip() == f"postgres://mockloop@127.0.0.1:{second}/mockloop"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", second)) == 0
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", first)) != 0
