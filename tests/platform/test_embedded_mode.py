"""`make run`'s mode: SQLite, in-process channel layer and Celery worker, nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.request import urlopen

from tests.conftest import ROOT, _wait_for, free_port


def embedded_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_EMBEDDED_WORKER",
                        "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}}
    env["MOCKLOOP_VAR_DIR"] = str(tmp_path)
    return env


def manage(env, *args) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_product_runs_on_embedded_defaults(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--noinput")
    assert "questions: 133 new" in manage(env, "load_bank")
    assert "questions: 0 new, 133 updated" in manage(env, "load_bank")
    logins = manage(env, "create_demo_accounts")
    assert logins.count("password: mockloop-demo") == 3 and "coach" in logins
    assert (tmp_path / "mockloop.sqlite3").exists()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--loop", "uvloop", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz", server)
        with urlopen(f"{base}/healthz?worker=1", timeout=30) as response:
            health = json.load(response)
        assert health == {"ok": True, "database": "sqlite", "worker": True, "missing": [],
                          "queues": {"celery": True, "transcribe": True}}
        with urlopen(f"{base}/bank/", timeout=10) as response:
            assert b"133 questions" in response.read()
        with urlopen(f"{base}/companies/openai/", timeout=10) as response:
            assert b"IC5" in response.read()
        with urlopen(f"{base}/static/vendor/htmx/htmx.min.js", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
