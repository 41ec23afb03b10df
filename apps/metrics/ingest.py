"""Bulk measurement ingest: one service for the API and the upload page (DESIGN §8).

All-or-nothing: every row is validated first and every bad row named; only a clean
batch is written. On PostgreSQL rows stream with COPY into a temporary table and merge
with one INSERT … ON CONFLICT DO UPDATE; SQLite uses a portable upsert. The same
transaction records the affected (metric, period) pairs as dirty for the roll-up."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import BadPayload, BatchTooLarge
from apps.organization.models import Channel, Department

from . import dirty, permissions
from .engine.periods import Period, is_aligned
from .models import Measurement, Metric

FIELDS = ("metric", "period_start", "department", "channel", "source", "value", "sample_size")
REQUIRED = ("metric", "period_start", "source", "value")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_SOURCE = 64


# Sources only the portal itself writes (the feedback KPIs), with the metrics they feed:
# no upload may use such a source, and those metrics take rows from no other source.
# Apps reserve theirs in AppConfig.ready(); their jobs pass `system_source`.
RESERVED_SOURCES: dict[str, frozenset[str]] = {}


def reserve_source(source: str, metric_codes) -> None:
    RESERVED_SOURCES[source] = frozenset(metric_codes)


def reserved_metric_codes() -> set[str]:
    """The system metrics (fed only by a reserved source) every installation has."""
    return set().union(*RESERVED_SOURCES.values())


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    periods: dict[str, list[str]] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        if self.errors:
            return {"errors": self.errors}
        return {
            "created": self.created,
            "updated": self.updated,
            "periods_queued": self.periods,
            "periods_queued_count": sum(len(v) for v in self.periods.values()),
        }


# Deadlock, serialization failure, lock not available: the transaction was rolled back
# whole and the same batch may simply be sent again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_retryable(exc: Exception) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES


def batch_limit() -> int:
    return settings.MEASUREMENT_BATCH_LIMIT


# --- parsing -------------------------------------------------------------------------------


# Files are read as UTF-8, a byte-order mark allowed (`utf-8-sig`: Excel's "CSV UTF-8").
TEXT_ENCODING = "utf-8-sig"


def not_utf8() -> str:
    """What a UTF-16 or Latin-1 file gets instead of a codec error."""
    return _("The file is not UTF-8 text (save it as CSV UTF-8).")


def _field_word(name: str) -> str:
    return {"department": _("department"), "channel": _("channel")}.get(name, name)


# Spreadsheets in comma-decimal locales (Spanish Excel among them) write ";" between fields
# and "12,5" for 12.5; a dot may then group thousands ("1.234,5").
DECIMAL_COMMA = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")
NUMBER_FIELDS = ("value", "sample_size")


def sniff_delimiter(header_line: str) -> str:
    """ ";" when the header separates its fields with semicolons, else ","."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def decimal_point(text: str) -> str:
    """ "1.234,5" and "12,5" (a semicolon file's numbers) as "1234.5" and "12.5"."""
    if DECIMAL_COMMA.match(text):
        return text.replace(".", "").replace(",", ".")
    return text


def open_csv(stream: io.TextIOBase | Iterable[str]) -> tuple[list[str], list[int], Iterator[list[str]]]:
    """The header (lower-cased names), the positions of the number fields whose decimal
    commas become points (a semicolon file), and a csv reader over the data lines.
    Raises BadPayload for an empty body, a file that is not UTF-8, a header lacking fields."""
    lines = iter(stream)
    try:
        first = next(lines)
    except StopIteration:
        first = None
    except UnicodeDecodeError as exc:
        raise BadPayload(not_utf8()) from exc
    if first is None or not first.strip("\ufeff\r\n "):
        # An empty body is a mistake (a lost upload, a wrong file), never "0 rows created".
        raise BadPayload(
            _("the CSV is empty: its first line must be the header (%(fields)s)")
            % {"fields": ", ".join(FIELDS)}
        )
    first = first.lstrip("\ufeff")
    delimiter = sniff_delimiter(first)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        header = next(reader)
    except UnicodeDecodeError as exc:
        raise BadPayload(not_utf8()) from exc
    except csv.Error as exc:
        raise BadPayload(_("not readable CSV: %(problem)s") % {"problem": exc}) from exc
    if any("\x00" in h for h in header):
        raise BadPayload(not_utf8())  # UTF-16 without a byte-order mark
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise BadPayload(
            _("the CSV header lacks %(missing)s (expected %(fields)s)")
            % {"missing": ", ".join(missing), "fields": ", ".join(FIELDS)}
        )
    numbers = [i for i, name in enumerate(header) if name in NUMBER_FIELDS] if delimiter == ";" else []
    return header, numbers, reader


def rows_from_csv(stream: io.TextIOBase | Iterable[str]) -> Iterator[dict]:
    """CSV with a header row naming the fields; yields dicts (strings; '' = empty).

    Separated by commas, or by semicolons with decimal commas (detected from the header);
    a byte-order mark before the header, quoted or not, is ignored."""
    header, numbers, reader = open_csv(stream)
    width = len(header)
    try:
        for values in reader:
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # blank line
            if len(values) != width:
                yield {"__width__": (len(values), width)}
                continue
            for i in numbers:
                values[i] = decimal_point(values[i])
            yield dict(zip(header, values, strict=True))
    except UnicodeDecodeError as exc:
        raise BadPayload(not_utf8()) from exc
    except csv.Error as exc:
        raise BadPayload(_("not readable CSV: %(problem)s") % {"problem": exc}) from exc


def rows_from_json(stream) -> list:
    try:
        payload = json.load(stream, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise BadPayload(not_utf8()) from exc
    except (ValueError, RecursionError) as exc:
        raise BadPayload(_("not valid JSON: %(problem)s") % {"problem": exc}) from exc
    if isinstance(payload, dict) and isinstance(payload.get("rows"), list):
        payload = payload["rows"]
    if not isinstance(payload, list):
        raise BadPayload(_("expected a JSON list of measurement objects"))
    return payload


def _reject_constant(name):
    # NaN / Infinity are not JSON; read them as a marker the row check names.
    return _NonFinite(name)


class _NonFinite(str):
    pass


# --- validation ------------------------------------------------------------------------------


@dataclass
class _Lookups:
    metrics: dict[str, tuple[int, str, str, int | None]]  # code -> (id, frequency, aggregation, owner dept)
    departments: dict[str, int]
    channels: dict[str, int]

    @classmethod
    def load(cls) -> _Lookups:
        return cls(
            metrics={
                code: (pk, freq, agg, owner)
                for pk, code, freq, agg, owner in Metric.objects.filter(archived=False).values_list(
                    "pk", "code", "frequency", "aggregation", "owner_department_id"
                )
            },
            departments=dict(Department.objects.filter(archived=False).values_list("code", "pk")),
            channels=dict(Channel.objects.filter(archived=False).values_list("code", "pk")),
        )


def _text(value, *, csv_mode: bool) -> str | None:
    """A code or name: str (None or '' = empty). Raises TypeError for other JSON types."""
    if value is None:
        return None
    if not isinstance(value, str) or isinstance(value, _NonFinite):
        raise TypeError
    value = value.strip()
    return value or None


def _number(value, *, csv_mode: bool) -> float | None:
    """A finite number; None when empty. Raises TypeError / ValueError."""
    if value is None:
        return None
    if csv_mode:
        text = value.strip()
        if not text:
            return None
        number = float(text)  # ValueError for non-numbers
    else:
        if isinstance(value, _NonFinite):
            raise ValueError("not finite")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        number = float(value)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


class _RowChecker:
    def __init__(self, user, lookups: _Lookups, *, csv_mode: bool, system_source: str | None = None):
        self.lookups = lookups
        self.csv_mode = csv_mode
        self.errors: list[dict] = []
        self.seen: dict[tuple, int] = {}
        self.system_source = system_source
        self.reserved_codes = {c: s for s, codes in RESERVED_SOURCES.items() for c in codes}
        # A portal job writing its reserved source records any row it computed.
        self.may_record = (
            (lambda _owner, _dept: True) if system_source else permissions.measurement_rows_allowed(user)
        )

    def error(self, index: int, field_name: str | None, message: str) -> None:
        self.errors.append({"row": index, "field": field_name, "message": message})

    def check(self, index: int, raw) -> tuple | None:
        """A clean row tuple, or None after recording this row's errors."""
        if not isinstance(raw, dict):
            self.error(
                index,
                None,
                _("each row must be an object with the fields %(fields)s") % {"fields": ", ".join(FIELDS)},
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
        for name in REQUIRED:
            if name not in raw or raw[name] is None or (isinstance(raw[name], str) and not raw[name].strip()):
                self.error(index, name, _("this field is required"))
        if len(self.errors) > before:
            return None
        metric = self._metric(index, raw)
        period_start = self._date(index, raw.get("period_start"), metric)
        dept_id = self._code(index, raw, "department", self.lookups.departments)
        chan_id = self._code(index, raw, "channel", self.lookups.channels)
        source = self._source(index, raw.get("source"))
        value = self._value(index, raw.get("value"), "value")
        sample = self._sample(index, raw, metric)
        if len(self.errors) > before:
            return None
        reserved_for = self.reserved_codes.get(raw["metric"].strip())
        if (source in RESERVED_SOURCES or reserved_for) and self.system_source != (reserved_for or source):
            self.error(
                index,
                "source",
                _("%(metric)s / %(source)s: computed by the portal, not uploaded")
                % {"metric": raw["metric"].strip(), "source": source},
            )
            return None
        metric_id, frequency, _agg, owner_dept = metric
        if not self.may_record(owner_dept, dept_id):
            self.error(
                index,
                "metric",
                _(
                    "you may record %(metric)s only for your department's rows or for metrics "
                    "your department owns"
                )
                % {"metric": raw["metric"].strip()},
            )
            return None
        key = (metric_id, period_start, dept_id or 0, chan_id or 0, source)
        first = self.seen.get(key)
        if first is not None:
            self.error(
                index,
                None,
                _("duplicate of row %(row)s (same metric, period_start, department, channel and source)")
                % {"row": first},
            )
            return None
        self.seen[key] = index
        return (metric_id, frequency, period_start, dept_id, chan_id, source, value, sample)

    def _metric(self, index, raw):
        try:
            code = _text(raw.get("metric"), csv_mode=self.csv_mode)
        except TypeError:
            self.error(index, "metric", _("must be a metric code (text)"))
            return None
        found = self.lookups.metrics.get(code)
        if found is None:
            self.error(index, "metric", _("unknown metric code %(code)s") % {"code": repr(code[:60])})
        return found

    def _date(self, index, value, metric) -> date | None:
        if not isinstance(value, str) or isinstance(value, _NonFinite) or not ISO_DATE.match(value.strip()):
            self.error(index, "period_start", _("must be an ISO date, YYYY-MM-DD"))
            return None
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            self.error(
                index, "period_start", _("%(value)s is not a real date") % {"value": repr(value.strip())}
            )
            return None
        if metric is not None and not is_aligned(metric[1], day):
            message = {
                "weekly": _("%(day)s is not aligned with this weekly metric: use a Monday"),
                "monthly": _("%(day)s is not aligned with this monthly metric: use the first day of a month"),
                "quarterly": _(
                    "%(day)s is not aligned with this quarterly metric: use the first day of a quarter"
                ),
                "yearly": _("%(day)s is not aligned with this yearly metric: use 1 January"),
            }[metric[1]]
            self.error(index, "period_start", message % {"day": day})
            return None
        return day

    def _code(self, index, raw, name, table) -> int | None:
        try:
            code = _text(raw.get(name), csv_mode=self.csv_mode)
        except TypeError:
            self.error(
                index, name, _("must be a %(field)s code (text) or empty") % {"field": _field_word(name)}
            )
            return None
        if code is None:
            return None
        found = table.get(code)
        if found is None:
            self.error(
                index,
                name,
                _("unknown %(field)s code %(code)s") % {"field": _field_word(name), "code": repr(code[:60])},
            )
        return found

    def _source(self, index, value) -> str | None:
        try:
            source = _text(value, csv_mode=self.csv_mode)
        except TypeError:
            self.error(index, "source", _("must be text"))
            return None
        if source is not None and len(source) > MAX_SOURCE:
            self.error(index, "source", _("at most %(n)s characters") % {"n": MAX_SOURCE})
            return None
        if source is not None and any(ord(c) < 32 for c in source):
            self.error(index, "source", _("must not contain control characters"))
            return None
        return source

    def _value(self, index, value, name) -> float | None:
        try:
            number = _number(value, csv_mode=self.csv_mode)
        except TypeError:
            self.error(index, name, _("must be a number"))
            return None
        except ValueError:
            self.error(index, name, _("must be a finite number (not text, NaN or infinity)"))
            return None
        if number is not None and abs(number) > 1e300:
            self.error(index, name, _("is too large"))
            return None
        return number

    def _sample(self, index, raw, metric) -> float | None:
        given = raw.get("sample_size")
        # Blank (spaces only) is "not given", as for the required fields: never a NULL stored.
        if given is None or (isinstance(given, str) and not given.strip()):
            if metric is not None and metric[2] == "mean":
                self.error(
                    index, "sample_size", _("required for a mean metric (the actual is weighted by it)")
                )
                return None
            return 1.0
        number = self._value(index, raw["sample_size"], "sample_size")
        if number is not None and number < 1:
            self.error(index, "sample_size", _("must be at least 1"))
            return None
        return number


def validate(rows: Iterable, *, user, csv_mode: bool, lookups: _Lookups | None = None, system_source=None):
    """Every row checked: (clean row tuples, errors)."""
    limit = batch_limit()
    checker = _RowChecker(user, lookups or _Lookups.load(), csv_mode=csv_mode, system_source=system_source)
    clean = []
    for index, raw in enumerate(rows):
        if index >= limit:
            raise BatchTooLarge(limit)
        row = checker.check(index, raw)
        if row is not None:
            clean.append(row)
    return clean, checker.errors


# --- writing ---------------------------------------------------------------------------------


def measurements_ingest(
    *,
    rows: Iterable,
    by,
    csv_mode: bool,
    recorded_at: datetime | None = None,
    system_source: str | None = None,
) -> IngestResult:
    """Validate every row; write all of them or none. Raises BatchTooLarge / BadPayload.

    `recorded_at` is when the source recorded the batch (now by default; the demo replays
    history with it): the latest one wins a cell two sources measured (DESIGN §4 item 1).
    `system_source`: a portal job writing its reserved source (see RESERVED_SOURCES)."""
    lookups = _Lookups.load()
    clean, errors = validate(rows, user=by, csv_mode=csv_mode, lookups=lookups, system_source=system_source)
    if errors:
        return IngestResult(errors=errors)
    result = IngestResult()
    if not clean:
        return result
    with transaction.atomic():
        moved = moved_start_pairs(_batch_first(clean))  # read before the write changes the first rows
        now = recorded_at or timezone.now()
        if connection.vendor == "postgresql":
            result.created, result.updated = _write_postgresql(clean, now)
        else:
            result.created, result.updated = _write_portable(clean, now)
        pairs = {(row[0], dirty.finest_period(row[1], row[2])) for row in clean}
        # One mark for the whole batch: one roll-up queued, not one per kind of pair.
        dirty.mark(pairs | moved)
    result.periods = periods_report(pairs, lookups)
    return result


def periods_report(pairs, lookups: _Lookups) -> dict[str, list[str]]:
    """The periods queued, by metric code (the answer of an ingest)."""
    codes = {pk: code for code, (pk, *_rest) in lookups.metrics.items()}
    periods: dict[str, set[str]] = {}
    for metric_id, period in pairs:
        periods.setdefault(codes.get(metric_id, str(metric_id)), set()).add(str(period))
    return {code: sorted(ps) for code, ps in sorted(periods.items())}


def first_stored(metric_ids: list[int]) -> dict[int, date]:
    """Each metric's earliest stored period_start. On PostgreSQL one index probe per metric
    (a GROUP BY would read every stored row of the batch's metrics)."""
    if connection.vendor == "postgresql":
        table = Measurement._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT m.id, (SELECT period_start FROM {table} WHERE metric_id = m.id"
                f" ORDER BY period_start LIMIT 1) FROM unnest(%s::bigint[]) AS m(id)",
                [metric_ids],
            )
            return {pk: first for pk, first in cursor.fetchall() if first is not None}
    return dict(
        Measurement.objects.filter(metric_id__in=metric_ids)
        .values("metric_id")
        .annotate(first=Min("period_start"))
        .values_list("metric_id", "first")
    )


def measurements_ingest_csv(body: IO[bytes], *, by, recorded_at: datetime | None = None) -> IngestResult:
    """A CSV body (a binary stream: the request, an uploaded file), all-or-nothing.

    The body is copied to a temporary file as it arrives (never held in memory). On
    PostgreSQL a clean batch is then written set-based (`ingest_copy`); any other batch,
    and every batch on SQLite, goes through the row-by-row path, which names every bad row.
    The result's `timings` hold the seconds of each phase."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = recorded_at or timezone.now()
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(body, spool, SPOOL_CHUNK)
        spool.seek(0)
        timings["receive"] = time.perf_counter() - started
        result = None
        if connection.vendor == "postgresql":
            from .ingest_copy import try_ingest

            result = try_ingest(spool, by=by, now=now, timings=timings)
            spool.seek(0)
        if result is None:
            started = time.perf_counter()
            stream = io.TextIOWrapper(spool, encoding=TEXT_ENCODING, errors="strict", newline="")
            try:
                rows = rows_from_csv(stream)
                result = measurements_ingest(rows=rows, by=by, csv_mode=True, recorded_at=now)
            finally:
                stream.detach()  # the spool is closed by its own block
            timings["row_by_row"] = time.perf_counter() - started
    result.timings = timings
    return result


SPOOL_CHUNK = 1 << 20


def _batch_first(clean: list[tuple]) -> dict[int, date]:
    batch_first: dict[int, date] = {}
    for metric_id, _freq, day, *_rest in clean:
        if metric_id not in batch_first or day < batch_first[metric_id]:
            batch_first[metric_id] = day
    return batch_first


def moved_start_pairs(
    batch_first: dict[int, date], stored: dict[int, date] | None = None
) -> set[tuple[int, Period]]:
    """A row earlier than a metric's first measurement moves where its snapshots start
    (target-only snapshots appear in between): those years are dirty too. `batch_first`:
    each metric's earliest period_start in the batch; `stored`: `first_stored()` read
    before the batch was written (read now when not given)."""
    stored = first_stored(list(batch_first)) if stored is None else stored
    this_year = timezone.localdate().year
    pairs = set()
    for metric_id, first in batch_first.items():
        old = stored.get(metric_id)
        if old is not None and first >= old:
            continue
        last_year = min(old.year if old else this_year, this_year)
        pairs |= {(metric_id, Period("year", date(y, 1, 1))) for y in range(first.year, last_year + 1)}
    return pairs


_COLUMNS = (
    "metric_id, period_start, department_id, channel_id, dept_key, chan_key, source, value, sample_size"
)


# Concurrent batches lock their rows of the unique index in one order: two overlapping
# ingests wait for each other instead of deadlocking.
MERGE_ORDER = "metric_id, period_start, dept_key, chan_key, source"


def upsert_clause(table: str) -> str:
    """The merge on the natural key, the same on both databases: a stored row is replaced
    by a later recording (latest recorded_at wins, DESIGN §4 item 1) and kept when the
    batch is older, or recorded at the same instant with the same numbers (a replayed
    batch rewrites nothing). Skipped rows count as neither created nor updated."""
    return (
        "ON CONFLICT (metric_id, period_start, dept_key, chan_key, source) DO UPDATE"
        " SET value = excluded.value, sample_size = excluded.sample_size, recorded_at = excluded.recorded_at"
        f" WHERE {table}.recorded_at < excluded.recorded_at OR ({table}.recorded_at = excluded.recorded_at"
        f" AND ({table}.value <> excluded.value OR {table}.sample_size <> excluded.sample_size))"
    )


def _write_postgresql(clean: list[tuple], now: datetime) -> tuple[int, int]:
    table = Measurement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ingest_measurement ("
            " metric_id bigint, period_start date, department_id bigint, channel_id bigint,"
            " dept_key bigint, chan_key bigint, source varchar(64), value double precision,"
            " sample_size double precision) ON COMMIT DELETE ROWS"
        )
        # psycopg 3 COPY: rows stream to the server without one INSERT per row.
        with cursor.cursor.copy(f"COPY ingest_measurement ({_COLUMNS}) FROM STDIN") as copy:
            for metric_id, _freq, day, dept_id, chan_id, source, value, sample in clean:
                copy.write_row(
                    (metric_id, day, dept_id, chan_id, dept_id or 0, chan_id or 0, source, value, sample)
                )
        cursor.execute(
            f"WITH merged AS ("
            f" INSERT INTO {table} ({_COLUMNS}, recorded_at)"
            f" SELECT {_COLUMNS}, %s FROM ingest_measurement ORDER BY {MERGE_ORDER}"
            f" {upsert_clause(table)}"
            f" RETURNING (xmax = 0) AS inserted)"
            f" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged",
            [now],
        )
        created, updated = cursor.fetchone()
        cursor.execute("TRUNCATE ingest_measurement")
    return created, updated


def _write_portable(clean: list[tuple], now: datetime) -> tuple[int, int]:
    table = Measurement._meta.db_table
    now = connection.ops.adapt_datetimefield_value(now)  # stored as the ORM stores it (UTC)
    before = Measurement.objects.count()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({_COLUMNS}, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            f" {upsert_clause(table)}",
            [
                (metric_id, day, dept_id, chan_id, dept_id or 0, chan_id or 0, source, value, sample, now)
                for metric_id, _freq, day, dept_id, chan_id, source, value, sample in clean
            ],
        )
        written = cursor.rowcount  # summed over the rows; a row the upsert keeps counts 0
    created = Measurement.objects.count() - before
    return created, written - created
