"""Production settings: `check --deploy` is clean, and every page carries a
Content-Security-Policy that allows nothing from other origins."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def test_check_deploy_is_clean_in_production():
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
           "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": "mockloop.example.org"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_pages_carry_the_content_security_policy(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_the_api_schema_has_no_warnings_and_documents_errors(tmp_path):
    schema = tmp_path / "schema.yml"
    result = subprocess.run([sys.executable, "manage.py", "spectacular", "--validate",
                             "--fail-on-warn", "--file", str(schema)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = schema.read_text()
    assert "components/schemas/Error" in text and "QuestionDetail" in text
