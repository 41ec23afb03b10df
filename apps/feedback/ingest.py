"""Feedback ingest: one service for the API (one item or a batch, JSON or CSV) and the
upload page. All-or-nothing: every row is checked first and every bad row named; only a
clean batch is written. Idempotent on (source, external id): a row already received
changes nothing and is reported as such.

Privacy: the text is masked (masking.mask) while the row is checked, before anything else
sees it; error messages name the field and the reason and never echo a value that was not
masked; the routing job gets item ids only."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from apps.core import history, roles
from apps.core.errors import BadPayload, BatchTooLarge
from apps.core.models import HistoryEntry
from apps.organization.models import Channel

from .masking import has_personal_data, mask, pseudonymise
from .models import FeedbackItem

FIELDS = (
    "source",
    "external_id",
    "received_at",
    "channel",
    "customer_reference",
    "may_contact",
    "text",
    "rating",
    "topic",
    "sentiment",
)
REQUIRED = ("source", "external_id", "received_at", "text")
MAX_TEXT = 5000
TOPIC = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE = {"true", "1", "yes", "y", "si", "sí"}
FALSE = {"false", "0", "no", "n", ""}
DUPLICATE_WINDOW = timedelta(days=7)


@dataclass
class IngestResult:
    created: list[int] = field(default_factory=list)
    unchanged: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        if self.errors:
            return {"errors": self.errors}
        return {
            "created": len(self.created),
            "unchanged": len(self.unchanged),
            "ids": self.created,
            "already_received": self.unchanged,
        }


def batch_limit() -> int:
    return settings.FEEDBACK_BATCH_LIMIT


def rows_from_csv(stream) -> Iterator[dict]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except UnicodeDecodeError as exc:
        raise BadPayload(_("the body is not UTF-8 text (save it as CSV UTF-8)")) from exc
    except csv.Error as exc:
        raise BadPayload(_("not readable CSV (check the quotes)")) from exc
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise BadPayload(
            _("the CSV header lacks %(missing)s (expected %(fields)s)")
            % {"missing": ", ".join(missing), "fields": ", ".join(FIELDS)}
        )
    width = len(header)
    try:
        for values in reader:
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) != width:
                yield {"__width__": (len(values), width)}
                continue
            yield dict(zip(header, values, strict=True))
    except UnicodeDecodeError as exc:
        raise BadPayload(_("the body is not UTF-8 text (save it as CSV UTF-8)")) from exc
    except csv.Error as exc:
        # The csv module's message may quote the line: never echo it.
        raise BadPayload(_("not readable CSV (check the quotes)")) from exc


def rows_from_json(stream) -> list:
    try:
        payload = json.load(stream, parse_constant=lambda name: _NonFinite(name))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # json's message quotes no input beyond a position; keep only the position.
        if hasattr(exc, "lineno"):
            message = _("not valid JSON (line %(line)s, column %(column)s)") % {
                "line": exc.lineno,
                "column": exc.colno,
            }
        else:
            message = _("not valid JSON")
        raise BadPayload(message) from exc
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        payload = payload["items"]
    if not isinstance(payload, list):
        raise BadPayload(_("expected a JSON list of feedback objects"))
    return payload


class _NonFinite(float):
    pass


def _safe(value: str, limit: int = 60) -> str:
    """A value fit to echo in an error: masked, without control characters, short."""
    text = "".join(c for c in mask(str(value)) if c.isprintable())
    return text[:limit]


class _Checker:
    def __init__(self, *, csv_mode: bool, channels: dict[str, int]):
        self.csv_mode = csv_mode
        self.channels = channels
        self.errors: list[dict] = []
        self.seen: dict[tuple[str, str], int] = {}

    def error(self, index: int, name: str | None, message: str) -> None:
        self.errors.append({"row": index, "field": name, "message": message})

    def check(self, index: int, raw) -> dict | None:
        if not isinstance(raw, dict):
            self.error(
                index,
                None,
                _("each item must be an object with the fields %(fields)s") % {"fields": ", ".join(FIELDS)},
            )
            return None
        if "__width__" in raw:
            got, want = raw["__width__"]
            self.error(
                index,
                None,
                _("this CSV line has %(got)s values; the header has %(want)s") % {"got": got, "want": want},
            )
            return None
        before = len(self.errors)
        unknown = sorted(str(k) for k in raw if k not in FIELDS)
        if unknown:
            self.error(
                index,
                None,
                _("unknown fields: %(fields)s") % {"fields": ", ".join(_safe(k, 30) for k in unknown[:5])},
            )
        required_before = len(self.errors)
        for name in REQUIRED:
            value = raw.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.error(index, name, _("this field is required"))
        if len(self.errors) > required_before:
            return None
        row = {
            "source": self._code(index, raw, "source", 64),
            "external_id": self._code(index, raw, "external_id", 128),
            "received_at": self._when(index, raw.get("received_at")),
            "channel_id": self._channel(index, raw.get("channel")),
            "customer_ref": self._reference(index, raw.get("customer_reference")),
            "may_contact": self._bool(index, raw.get("may_contact")),
            "text": self._text(index, raw.get("text")),
            "rating": self._rating(index, raw.get("rating")),
            "topic": self._topic(index, raw.get("topic")),
            "sentiment": self._sentiment(index, raw.get("sentiment")),
        }
        if len(self.errors) > before:
            return None
        key = (row["source"], row["external_id"])
        first = self.seen.get(key)
        if first is not None:
            self.error(
                index,
                "external_id",
                _("duplicate of row %(row)s (same source and external_id)") % {"row": first},
            )
            return None
        self.seen[key] = index
        return row

    def _string(self, index, value, name) -> str | None:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int) or isinstance(value, _NonFinite):
            self.error(index, name, _("must be text"))
            return None
        return str(value).strip()

    def _code(self, index, raw, name, limit) -> str | None:
        value = self._string(index, raw.get(name), name)
        if value is None:
            return None
        if len(value) > limit:
            self.error(index, name, _("at most %(n)s characters") % {"n": limit})
            return None
        if any(not c.isprintable() for c in value):
            self.error(index, name, _("must not contain control characters"))
            return None
        return value

    def _when(self, index, value):
        if not isinstance(value, str):
            self.error(index, "received_at", _("must be an ISO date-time, e.g. 2026-03-01T10:30:00+01:00"))
            return None
        text = value.strip()
        try:
            if ISO_DATE.match(text):
                day = datetime.fromisoformat(text).date()
                moment = timezone.make_aware(datetime.combine(day, time(0, 0)))
            else:
                moment = parse_datetime(text)
                if moment is None:
                    raise ValueError
                if timezone.is_naive(moment):
                    moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            self.error(index, "received_at", _("must be an ISO date-time, e.g. 2026-03-01T10:30:00+01:00"))
            return None
        if moment > timezone.now() + timedelta(hours=1):
            self.error(index, "received_at", _("is in the future"))
            return None
        if moment.year < 2000:
            self.error(index, "received_at", _("is before 2000"))
            return None
        return moment

    def _channel(self, index, value) -> int | None:
        code = self._string(index, value, "channel")
        if not code:
            return None
        found = self.channels.get(code)
        if found is None:
            self.error(index, "channel", _("unknown channel code %(code)s") % {"code": repr(_safe(code))})
        return found

    def _reference(self, index, value) -> str:
        ref = self._string(index, value, "customer_reference")
        if ref is None:
            return ""
        if len(ref) > 128:
            self.error(index, "customer_reference", _("at most 128 characters"))
            return ""
        return pseudonymise(ref)

    def _bool(self, index, value) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.error(index, "may_contact", _("must be true or false"))
        return False

    def _text(self, index, value) -> str | None:
        if not isinstance(value, str):
            self.error(index, "text", _("must be text"))
            return None
        # Masked at once: nothing after this line sees the original.
        text = mask(value.replace("\x00", "").strip())
        if len(text) > MAX_TEXT:
            self.error(index, "text", _("at most %(n)s characters") % {"n": MAX_TEXT})
            return None
        return text

    def _rating(self, index, value) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            if isinstance(value, bool | _NonFinite):
                raise TypeError
            number = float(value.strip()) if isinstance(value, str) else float(value)
            if not math.isfinite(number) or number != int(number):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            self.error(index, "rating", _("must be a whole number from 0 to 10"))
            return None
        if not 0 <= number <= 10:
            self.error(index, "rating", _("must be a whole number from 0 to 10"))
            return None
        return int(number)

    def _topic(self, index, value) -> str:
        topic = self._string(index, value, "topic")
        if not topic:
            return ""
        if has_personal_data(topic):
            self.error(index, "topic", _("must not hold an e-mail address, a phone or a card number"))
            return ""
        topic = topic.lower().replace(" ", "_")
        if not TOPIC.match(topic):
            self.error(index, "topic", _("use lower-case letters, digits, _ or - (at most 64)"))
            return ""
        return topic

    def _sentiment(self, index, value) -> str:
        sentiment = self._string(index, value, "sentiment")
        if not sentiment:
            return ""
        sentiment = sentiment.lower()
        if sentiment not in FeedbackItem.Sentiment.values:
            self.error(index, "sentiment", _("must be positive, neutral or negative"))
            return ""
        return sentiment


def can_ingest(user) -> bool:
    return roles.is_cx_leader(user) or roles.is_system_account(user)


def validate(rows: Iterable, *, csv_mode: bool) -> tuple[list[tuple[int, dict]], list[dict]]:
    limit = batch_limit()
    checker = _Checker(
        csv_mode=csv_mode,
        channels=dict(Channel.objects.filter(archived=False).values_list("code", "pk")),
    )
    clean = []
    for index, raw in enumerate(rows):
        if index >= limit:
            raise BatchTooLarge(limit, "items")
        row = checker.check(index, raw)
        if row is not None:
            clean.append((index, row))
    return clean, checker.errors


def feedback_ingest(*, rows: Iterable, by, csv_mode: bool = False) -> IngestResult:
    """Validate every row; write the new ones or nothing. Raises BatchTooLarge / BadPayload."""
    clean, errors = validate(rows, csv_mode=csv_mode)
    if errors:
        return IngestResult(errors=errors)
    result = IngestResult()
    if not clean:
        return result
    with transaction.atomic():
        existing = _existing({(r["source"], r["external_id"]) for _i, r in clean})
        new = []
        for index, row in clean:
            pk = existing.get((row["source"], row["external_id"]))
            if pk is not None:
                result.unchanged.append(
                    {
                        "row": index,
                        "external_id": _safe(row["external_id"], 128),
                        "id": pk,
                        "message": "already received; nothing updated",
                    }
                )
            else:
                new.append(row)
        items = FeedbackItem.objects.bulk_create(
            [FeedbackItem(**row, status=FeedbackItem.Status.NEW, needs_triage=True) for row in new]
        )
        _flag_duplicates(items)
        history.record_many(
            FeedbackItem,
            {
                item.pk: {
                    "source": (None, item.source),
                    "external_id": (None, item.external_id),
                    "topic": (None, item.topic),
                    "status": (None, str(FeedbackItem.Status.NEW.label)),
                }
                for item in items
            },
            by=by,
            action=HistoryEntry.Action.CREATE,
        )
        result.created = [item.pk for item in items]
        if result.created:
            from .tasks import route_items

            ids = list(result.created)
            transaction.on_commit(lambda: route_items.delay(ids))
    return result


def _existing(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found = {}
    by_source: dict[str, list[str]] = {}
    for source, external in keys:
        by_source.setdefault(source, []).append(external)
    for source, externals in by_source.items():
        for start in range(0, len(externals), 1000):
            chunk = externals[start : start + 1000]
            for pk, ext in FeedbackItem.objects.filter(source=source, external_id__in=chunk).values_list(
                "pk", "external_id"
            ):
                found[(source, ext)] = pk
    return found


def _flag_duplicates(items: list[FeedbackItem]) -> None:
    """A new item from the same customer on the same topic within 7 days of an earlier
    one is flagged as its possible duplicate (a person then merges or keeps it)."""
    keyed = [i for i in items if i.customer_ref and i.topic]
    if not keyed:
        return
    earliest = min(i.received_at for i in keyed) - DUPLICATE_WINDOW
    latest = max(i.received_at for i in keyed)
    candidates = list(
        FeedbackItem.objects.filter(
            customer_ref__in={i.customer_ref for i in keyed},
            topic__in={i.topic for i in keyed},
            received_at__gte=earliest,
            received_at__lte=latest,
        )
        .order_by("received_at", "pk")
        .values_list("pk", "customer_ref", "topic", "received_at")
    )
    for item in keyed:
        match = next(
            (
                pk
                for pk, ref, topic, at in candidates
                if pk != item.pk
                and ref == item.customer_ref
                and topic == item.topic
                and item.received_at - DUPLICATE_WINDOW <= at <= item.received_at
                and (at, pk) < (item.received_at, item.pk)
            ),
            None,
        )
        if match is not None:
            FeedbackItem.objects.filter(pk=item.pk).update(possible_duplicate_of=match)


def rows_from_upload(upload) -> Iterator[dict]:
    return rows_from_csv(io.TextIOWrapper(upload.file, encoding="utf-8", errors="strict", newline=""))
