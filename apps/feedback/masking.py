"""Masking of personal data in free text, applied on ingest before anything is stored,
logged, echoed in an error report or passed to a job (DESIGN §3 feedback).

Order matters: e-mail addresses first, then card-like digit runs (13–19 digits, spaces
or dashes allowed between them), then phone numbers (7–15 digits, national or
international, with spaces, dots, dashes or brackets). Dates (2025-03-01, 01/03/2025)
and short numbers (order 12345, 3 times) are left alone."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

EMAIL_MASK = "[email]"
CARD_MASK = "[card]"
PHONE_MASK = "[phone]"

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 13-19 digits, each optionally followed by one space or dash (not a 00 phone prefix).
CARD = re.compile(r"(?<![\w+])(?!00)\d(?:[ -]?\d){12,18}(?![\w])")
# An optional +CC or 00CC prefix, then digit groups joined by space . - or brackets.
PHONE = re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d\s().\-]{5,}\d(?![\w])")
DATE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$")
DIGIT = re.compile(r"\d")


def _phone(match: re.Match) -> str:
    text = match.group(0)
    stripped = text.strip()
    digits = len(DIGIT.findall(stripped))
    if not 7 <= digits <= 15 or DATE.match(stripped):
        return text
    # Keep the whitespace the pattern swallowed at the end of the run.
    trailing = text[len(text.rstrip()) :]
    return PHONE_MASK + trailing


def mask(text: str) -> str:
    """The text with e-mail addresses, card-like numbers and phone numbers replaced."""
    if not text:
        return text
    text = EMAIL.sub(EMAIL_MASK, text)
    text = CARD.sub(CARD_MASK, text)
    return PHONE.sub(_phone, text)


def has_personal_data(text: str) -> bool:
    return bool(text) and mask(text) != text


def pseudonymise(reference: str) -> str:
    """A customer reference that is already pseudonymous stays; one that holds an e-mail
    address, a phone or a card number becomes a keyed hash (same input, same hash, so
    possible duplicates are still found; the original cannot be read back)."""
    reference = (reference or "").strip()
    if not has_personal_data(reference):
        return reference
    digest = hmac.new(settings.SECRET_KEY.encode(), reference.casefold().encode(), hashlib.sha256)
    return "h:" + digest.hexdigest()[:24]
