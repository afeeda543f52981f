"""Text PostgreSQL can store. A text column refuses the NUL character, and an unpaired
surrogate has no UTF-8 form (jsonb refuses both as escapes). JSON carries either as a
\\u escape and a form or query string carries NUL as %00, so input is checked here and
refused with UNSTORABLE_TEXT instead of failing at the database with a 500 (and, inside a
transaction, a broken transaction)."""

from __future__ import annotations

from typing import Any

UNSTORABLE_TEXT = ("Text may not contain the NUL character (\\u0000) or an unpaired "
                   "surrogate.")


def is_storable(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_text_at(value: Any) -> str | None:
    """Where the first string that PostgreSQL cannot store sits in parsed JSON or form
    data, as a field path like `did_well[0].text` ("" for the top level; for a bad key,
    the path of the object holding it, since the key itself must not be echoed); None
    when every key and string is storable. Iterative, so deep nesting cannot overflow."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if not is_storable(item):
                return path
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                if isinstance(key, str) and not is_storable(key):
                    return path
                children.append((child, f"{path}.{key}" if path else str(key)))
            pending.extend(reversed(children))
        elif isinstance(item, list | tuple):
            pending.extend((child, f"{path}[{index}]")
                           for index, child in reversed(list(enumerate(item))))
    return None
