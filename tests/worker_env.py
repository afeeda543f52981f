"""Each pytest-xdist worker gets a Redis database and key prefix of its own, so the
workers' Celery queues, channel layers and room presence never meet (each already gets a
PostgreSQL database of its own from pytest-django).

Loaded with `-p` (pyproject.toml), so it runs before Django reads its settings; the
worker and server processes a test starts inherit the environment.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def _redis_url_for_worker(url: str, worker: int) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = (base + 1 + worker) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{database}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... under xdist only
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_for_worker(os.environ["REDIS_URL"],
                                                    int(_worker.removeprefix("gw")))
    os.environ["CHANNEL_LAYER_PREFIX"] = (
        f"{os.environ.get('CHANNEL_LAYER_PREFIX', 'mockloop')}-{_worker}")
