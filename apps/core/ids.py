"""Ids read from a query string or a form: only what a database key can hold."""

import re

_DIGITS = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1  # bigint / SQLite INTEGER; beyond, SQLite raises OverflowError (a 500)


def parse_id(value) -> int | None:
    """The id, or None for anything else: not ASCII digits (`str.isdigit` accepts '²',
    which int() refuses), zero, or past a 64-bit key (`?committee=99999999999999999999`)."""
    text = str(value or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
