"""The vendored chart library survives a production collectstatic."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_no_static_file_points_at_a_source_map_that_is_not_shipped():
    # ManifestStaticFilesStorage (DEBUG=0) fails collectstatic on such a reference.
    missing = []
    for path in STATIC.rglob("*"):
        if path.suffix not in (".js", ".mjs", ".css") or not path.is_file():
            continue
        for target in re.findall(r"sourceMappingURL=([^\s*'\"]+)",
                                 path.read_text(errors="ignore")):
            if not target.startswith("data:") and not (path.parent / target).exists():
                missing.append(f"{path.relative_to(STATIC)} -> {target}")
    assert missing == []
