#!/usr/bin/env python3
"""Start the real services the test suite needs, on loopback, then run a command.

    python scripts/test_services.py run -- pytest ...

PostgreSQL and Redis are started from private data folders on their own ports when
DATABASE_URL / REDIS_URL are not given; missing packages (PostgreSQL, Redis, Chromium,
espeak-ng) are installed with apt-get when running as root. The services keep running
after the command, so a second run reuses them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Below Linux's range for outgoing connections (32768-60999): a port in it can be held
# by any client socket for a while, and the server then cannot bind it.
PG_PORT = int(os.environ.get("MOCKLOOP_TEST_PG_PORT", "25432"))
REDIS_PORT = int(os.environ.get("MOCKLOOP_TEST_REDIS_PORT", "25379"))
PG_START_ATTEMPTS = 6
PG_RETRY_SECONDS = 5.0
STATE_DIR = Path(tempfile.gettempdir()) / f"mockloop-test-services-{os.getuid()}"
APT_PACKAGES = {
    "postgresql": lambda: _pg_bin("initdb") is not None,
    "redis-server": lambda: shutil.which("redis-server") is not None,
    "chromium": lambda: shutil.which("chromium") is not None,
    "espeak-ng": lambda: shutil.which("espeak-ng") is not None,
    "ffmpeg": lambda: shutil.which("ffmpeg") is not None,
}


def log(message: str) -> None:
    print(f"[test-services] {message}", file=sys.stderr, flush=True)


def _pg_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


def ensure_packages() -> None:
    missing = [pkg for pkg, present in APT_PACKAGES.items() if not present()]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"Missing system packages {missing}: install them (apt-get install "
                 f"{' '.join(missing)}) or run as root so the test setup can.")
    log(f"installing {missing} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _as_service_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; use the 'postgres' account the package creates.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def ensure_postgres() -> str:
    if port_open(PG_PORT):
        return _pg_url()
    data_dir = STATE_DIR / "pg"
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE_DIR, 0o755)
    if os.geteuid() == 0:
        shutil.chown(STATE_DIR, user="postgres")
    if not (data_dir / "PG_VERSION").exists():
        log(f"creating a PostgreSQL cluster in {data_dir}")
        subprocess.run(_as_service_user([
            _pg_bin("initdb"), "-D", str(data_dir), "-U", "mockloop", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8",
        ]), check=True, stdout=subprocess.DEVNULL)
    _stop_postgres_on_another_port(data_dir)
    log(f"starting PostgreSQL on 127.0.0.1:{PG_PORT}")
    _start_postgres(data_dir)
    return _pg_url()


def _running_port(data_dir: Path) -> int | None:
    """The port of the server running from this data folder, if one runs."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return port


def _stop_postgres_on_another_port(data_dir: Path) -> None:
    """A folder serves one server at a time: one still running on an earlier port (an
    older default, or another MOCKLOOP_TEST_PG_PORT) is stopped so that it can move."""
    port = _running_port(data_dir)
    if port is None or port == PG_PORT:
        return
    log(f"stopping the PostgreSQL of {data_dir} on port {port}, to start it on {PG_PORT}")
    subprocess.run(_as_service_user([
        _pg_bin("pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"]),
        check=True, stdout=subprocess.DEVNULL)


def _start_postgres(data_dir: Path) -> None:
    """pg_ctl start, tried again while the port is taken although nothing listens on it
    (a socket of another program can hold it briefly, above all when the port lies in
    the kernel's range for outgoing connections, as a MOCKLOOP_TEST_PG_PORT may)."""
    options = (f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {STATE_DIR} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               "-c max_connections=200")
    server_log = STATE_DIR / "pg.log"
    for attempt in range(1, PG_START_ATTEMPTS + 1):
        logged_before = server_log.stat().st_size if server_log.exists() else 0
        started = subprocess.run(_as_service_user([
            _pg_bin("pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(server_log),
            "-w", "start",
        ]), stdout=subprocess.DEVNULL)
        if started.returncode == 0:
            return
        said = ""
        if server_log.exists():
            with open(server_log, errors="replace") as logged:
                logged.seek(logged_before)
                said = logged.read()
        if "Address already in use" not in said or attempt == PG_START_ATTEMPTS:
            sys.exit(f"PostgreSQL did not start on 127.0.0.1:{PG_PORT}. Its log "
                     f"({server_log}) says:\n{said[-2000:]}")
        log(f"127.0.0.1:{PG_PORT} is taken although nothing listens there; trying again "
            f"in {PG_RETRY_SECONDS:g} s ({attempt}/{PG_START_ATTEMPTS - 1})")
        time.sleep(PG_RETRY_SECONDS)


def _pg_url() -> str:
    return f"postgres://mockloop@127.0.0.1:{PG_PORT}/mockloop"


def ensure_redis() -> str:
    url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    if port_open(REDIS_PORT):
        return url
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    log(f"starting Redis on 127.0.0.1:{REDIS_PORT}")
    subprocess.run([
        "redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--daemonize", "yes",
        "--save", "", "--appendonly", "no", "--dir", str(STATE_DIR),
        "--pidfile", str(STATE_DIR / "redis.pid"), "--logfile", str(STATE_DIR / "redis.log"),
    ], check=True)
    for _ in range(50):
        if port_open(REDIS_PORT):
            return url
        time.sleep(0.1)
    sys.exit(f"Redis did not start; see {STATE_DIR / 'redis.log'}")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "run" or argv[1] != "--":
        print(__doc__)
        return 2
    env = dict(os.environ)
    ensure_packages()
    env.setdefault("DATABASE_URL", ensure_postgres())
    env.setdefault("REDIS_URL", ensure_redis())
    env.setdefault("CELERY_EMBEDDED_WORKER", "0")
    env.setdefault("CHANNEL_LAYER_PREFIX", f"mockloop-test-{os.getpid()}")
    env.setdefault("DEBUG", "1")
    log(f"DATABASE_URL={env['DATABASE_URL']} REDIS_URL={env['REDIS_URL']}")
    return subprocess.call(argv[2:], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
