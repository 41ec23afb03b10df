"""The CSV ingest on PostgreSQL, set-based (issue #21): the body goes with COPY into a
temporary table of text (as it is when it is plain CSV, else parsed by Python's csv
reader); one statement then parses the numbers, resolves the codes, checks every rule and
merges the rows with INSERT … ON CONFLICT in key order, returning the dirty (metric,
period) pairs, which are marked in the same transaction.

It only ever *accepts*. The few distinct codes, dates and sources of a batch are checked
by the very checks of the row-by-row path (`ingest._RowChecker`); numbers are cast only
when made of digits, point, sign and exponent (what PostgreSQL and Python read to the same
double). A batch with anything else — a bad row, a duplicate key, a line of the wrong
width, a number PostgreSQL cannot read, a row kept as stored — is rolled back whole and
handed to the row-by-row path, which decides and names every bad row with its number
exactly as before. So this path changes nothing that is answered, only how quickly a
clean batch is written (tests/metrics/test_ingest_paths.py compares the two)."""

from __future__ import annotations

import csv
import io
import time
from operator import itemgetter
from typing import IO

from django.db import DataError, ProgrammingError, connection, transaction
from psycopg import errors as pg_errors

from apps.core.errors import BadPayload, BatchTooLarge

from . import dirty
from .engine.periods import Period
from .ingest import (
    _COLUMNS,
    FIELDS,
    MERGE_ORDER,
    REQUIRED,
    RESERVED_SOURCES,
    TEXT_ENCODING,
    IngestResult,
    _Lookups,
    _RowChecker,
    batch_limit,
    decimal_point,
    first_stored,
    moved_start_pairs,
    open_csv,
    periods_report,
    sniff_delimiter,
    upsert_clause,
)
from .models import Measurement

# Numbers: only text made of these characters is cast (no spaces, no hex, no inf or nan).
# PostgreSQL reads such text to the same double as Python's float() (both correctly
# rounded) or fails (a malformed "1e", an overflow), and a failure sends the batch the
# row-by-row way; |x| > 1e300 is left unresolved, as Python refuses it.
NUMBER_CHARS = "0123456789.eE+-"
FLUSH_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"


class _Fallback(Exception):
    """Not provably clean: the row-by-row path decides."""


class _Clock:
    """Seconds per phase of one ingest (sent back as a Server-Timing header)."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now


def try_ingest(spool: IO[bytes], *, by, now, timings: dict[str, float]) -> IngestResult | None:
    """Ingest a clean CSV batch set-based, or None (nothing written) for the row-by-row path."""
    clock = _Clock(timings)
    try:
        with transaction.atomic():
            result = _ingest(spool, by=by, now=now, clock=clock)
        clock.lap("commit")
        return result
    except _Fallback:
        clock.lap("fallback")
        return None


def _ingest(spool, *, by, now, clock: _Clock) -> IngestResult:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ingest_raw (idx integer, metric text, period_start text,"
            " department text, channel text, source text, value text, sample_size text)"
            " ON COMMIT DELETE ROWS"
        )
        clock.lap("setup")
        count = _copy_plain(cursor, spool, clock)
        if count is None:
            spool.seek(0)
            text = io.TextIOWrapper(spool, encoding=TEXT_ENCODING, errors="strict", newline="")
            try:
                count = _copy_parsed(cursor, text, clock)
            finally:
                text.detach()  # the caller's spool stays open for the row-by-row path
        if count == 0:
            return IngestResult()
        lookups = _Lookups.load()
        params = _checked_texts(cursor, by, lookups)
        stored_first = first_stored(params["m_id"])  # read before the write changes the first rows
        clock.lap("validate")
        groups, created, updated = _resolve_and_merge(cursor, params, now, count)
        clock.lap("resolve+merge")
        pairs = {(metric_id, Period(kind, start)) for metric_id, kind, start, _first in groups}
        batch_first: dict[int, object] = {}
        for metric_id, _kind, _start, first in groups:
            if metric_id not in batch_first or first < batch_first[metric_id]:
                batch_first[metric_id] = first
        dirty.mark(pairs | moved_start_pairs(batch_first, stored_first))
        # Emptied on commit; now too, for a caller whose transaction goes on (a test, a script).
        cursor.execute("TRUNCATE ingest_raw")
        clock.lap("dirty")
    result = IngestResult(created=created, updated=updated)
    result.periods = periods_report(pairs, lookups)
    return result


def _plain_header(first: bytes) -> list[str] | None:
    """The column names of a plain header line (commas, no quotes, each a known field once,
    the required ones there), or None."""
    if not first.endswith(b"\n") or b'"' in first:
        return None
    try:
        line = first.removeprefix(BOM).decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    if sniff_delimiter(line) != ",":
        return None
    names = [name.strip().lower() for name in line.split(",")]
    if len(set(names)) != len(names) or not set(names) <= set(FIELDS) or not set(REQUIRED) <= set(names):
        return None
    return names


def _copy_plain(cursor, spool, clock: _Clock) -> int | None:
    """A plain file straight into ingest_raw, parsed by PostgreSQL's own CSV reader; None
    when the file is not plain. Plain: comma-separated, no quote character anywhere and no
    backslash-dot (COPY's end-of-data mark), within the batch limit. Where PostgreSQL's
    reader and Python's could differ (a blank line, a line of the wrong width, a lone
    carriage return, text that is not UTF-8 or holds NUL) COPY fails and the batch goes
    the row-by-row way. The row numbers are not needed here: a clean batch has no errors."""
    names = _plain_header(spool.readline())
    if names is None:
        return None
    start = spool.tell()
    tail = b""
    while chunk := spool.read(FLUSH_BYTES):
        if b'"' in chunk or b"\\." in tail + chunk:
            return None
        tail = chunk[-1:]
    spool.seek(start)
    try:
        with (
            transaction.atomic(),  # a savepoint: a refused file is parsed by Python instead
            cursor.cursor.copy(f"COPY ingest_raw ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            while chunk := spool.read(FLUSH_BYTES):
                copy.write(chunk)
    except (DataError, pg_errors.DataError):
        return None
    count = cursor.cursor.rowcount
    if count > batch_limit():
        raise _Fallback  # the row-by-row path says where the limit is reached
    clock.lap("copy")
    return count


def _copy_parsed(cursor, text, clock: _Clock) -> int:
    """Any other file parsed by Python's csv reader (as the row-by-row path reads it) and
    written to ingest_raw with COPY."""
    try:
        header, numbers, reader = open_csv(text)
    except BadPayload:
        raise _Fallback from None  # the row-by-row path gives the same answer
    position = {name: i for i, name in enumerate(header)}  # a repeated name: the last wins, as dict()
    present = [f for f in FIELDS if f in position]
    pick = itemgetter(*[position[f] for f in present])
    width = len(header)
    limit = batch_limit()
    columns = ", ".join(["idx", *present])
    out = io.StringIO()
    write = csv.writer(out, lineterminator="\n").writerow
    index = 0
    single = len(present) == 1
    try:
        with cursor.cursor.copy(f"COPY ingest_raw ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for values in reader:
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue  # blank line, skipped by the row-by-row path too
                if len(values) != width:
                    raise _Fallback
                if index >= limit:
                    raise BatchTooLarge(limit)
                for i in numbers:
                    values[i] = decimal_point(values[i])
                picked = pick(values)
                write((index, picked) if single else (index, *picked))
                index += 1
                if out.tell() > FLUSH_BYTES:
                    copy.write(out.getvalue())
                    out.seek(0)
                    out.truncate()
            copy.write(out.getvalue())
    except (UnicodeDecodeError, csv.Error, pg_errors.DataError):
        # Not UTF-8, not CSV (the row-by-row path says so), or text PostgreSQL refuses (NUL).
        raise _Fallback from None
    clock.lap("parse+copy")
    return index


def _checked_texts(cursor, by, lookups: _Lookups) -> dict:
    """The distinct texts of each column, checked as the row-by-row path checks them: the
    lookup arrays the resolving statement joins (a text that would be refused is left out,
    so its rows do not resolve)."""
    cursor.execute(
        "SELECT metric, period_start, department, channel, source, GROUPING(metric), GROUPING(period_start),"
        " GROUPING(department), GROUPING(channel) FROM ingest_raw GROUP BY GROUPING SETS"
        " ((metric), (period_start), (department), (channel), (source))"
    )
    metrics, days, departments, channels, sources = [], [], [], [], []
    checker = _RowChecker(by, lookups, csv_mode=True)
    reserved = checker.reserved_codes
    for metric, day, dept, chan, source, g_metric, g_day, g_dept, g_chan in cursor.fetchall():
        # Each distinct text is checked as the row-by-row path checks it; a text that would
        # be refused is left out, so its rows do not resolve.
        before = len(checker.errors)
        if not g_metric:
            found = checker._metric(0, {"metric": metric}) if metric is not None else None
            if found is not None and metric.strip() not in reserved:
                metrics.append((metric, *found))
        elif not g_day:
            parsed = checker._date(0, day, None) if day is not None else None
            if parsed is not None:
                days.append((day, parsed))
        elif not g_dept:
            found = checker._code(0, {"department": dept}, "department", lookups.departments)
            if len(checker.errors) == before:
                departments.append((dept, found))
        elif not g_chan:
            found = checker._code(0, {"channel": chan}, "channel", lookups.channels)
            if len(checker.errors) == before:
                channels.append((chan, found))
        else:
            clean = checker._source(0, source) if source is not None else None
            if clean is not None and clean not in RESERVED_SOURCES:
                sources.append((source, clean))
    everyone = checker.may_record(None, None) and checker.may_record(-1, -1)
    headed = [] if everyone else _headed(by)
    return {
        "m_raw": [m[0] for m in metrics],
        "m_id": [m[1] for m in metrics],
        "m_freq": [m[2] for m in metrics],
        "m_agg": [m[3] for m in metrics],
        "m_owner": [m[4] for m in metrics],
        "p_raw": [d[0] for d in days],
        "p_day": [d[1] for d in days],
        "d_raw": [d[0] for d in departments],
        "d_id": [d[1] for d in departments],
        "c_raw": [c[0] for c in channels],
        "c_id": [c[1] for c in channels],
        "s_raw": [s[0] for s in sources],
        "s_clean": [s[1] for s in sources],
        "everyone": everyone,
        "headed": headed,
    }


# A number is cast only when made of these characters (else it stays unresolved); the
# cast runs at most twice per row (filter and value), cheaper than materializing it.
VALUE = f"CASE WHEN btrim(r.value, '{NUMBER_CHARS}') = '' THEN r.value::float8 END"
SAMPLE = f"CASE WHEN btrim(r.sample_size, '{NUMBER_CHARS}') = '' THEN r.sample_size::float8 END"


def _resolve_and_merge(cursor, params: dict, now, count: int) -> tuple[list[tuple], int, int]:
    """One statement: the raw rows parsed, resolved and merged in key order; back come the
    dirty (metric, period) groups with each one's first day, and the created / updated
    counts. _Fallback (the whole transaction rolled back) unless every row resolved, no two
    share a key and every row was written."""
    table = Measurement._meta.db_table
    # The temporary table has no statistics: the planner, expecting a few rows, would join
    # the lookup arrays by nested loops (one scan of an array per row). Hash joins, always.
    cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
    try:
        cursor.execute(
            f"""
        WITH resolved AS MATERIALIZED (
        SELECT m.id AS metric_id, p.day AS period_start, d.id AS department_id, c.id AS channel_id,
               coalesce(d.id, 0) AS dept_key, coalesce(c.id, 0) AS chan_key, s.clean AS source,
               {VALUE} AS value, coalesce({SAMPLE}, 1.0) AS sample_size,
               CASE m.frequency WHEN 'quarterly' THEN 'quarter' WHEN 'yearly' THEN 'year' ELSE 'month' END
                 AS period_kind
        FROM ingest_raw r
        JOIN unnest(%(m_raw)s::text[], %(m_id)s::bigint[], %(m_freq)s::text[], %(m_agg)s::text[],
                    %(m_owner)s::bigint[]) AS m(raw, id, frequency, aggregation, owner) ON m.raw = r.metric
        JOIN unnest(%(p_raw)s::text[], %(p_day)s::date[]) AS p(raw, day) ON p.raw = r.period_start
        LEFT JOIN unnest(%(d_raw)s::text[], %(d_id)s::bigint[]) AS d(raw, id) ON d.raw = r.department
        LEFT JOIN unnest(%(c_raw)s::text[], %(c_id)s::bigint[]) AS c(raw, id) ON c.raw = r.channel
        JOIN unnest(%(s_raw)s::text[], %(s_clean)s::text[]) AS s(raw, clean) ON s.raw = r.source
        WHERE (r.department IS NULL OR d.raw IS NOT NULL)
          AND (r.channel IS NULL OR c.raw IS NOT NULL)
          AND abs({VALUE}) <= 1e300
          AND ({SAMPLE} IS NULL OR {SAMPLE} <= 1e300)
          AND CASE WHEN r.sample_size IS NULL THEN m.aggregation <> 'mean' ELSE {SAMPLE} >= 1 END
          AND CASE m.frequency
                WHEN 'daily' THEN true
                WHEN 'weekly' THEN extract(isodow FROM p.day) = 1
                WHEN 'monthly' THEN extract(day FROM p.day) = 1
                WHEN 'quarterly'
                  THEN extract(day FROM p.day) = 1 AND extract(month FROM p.day) IN (1, 4, 7, 10)
                WHEN 'yearly' THEN extract(day FROM p.day) = 1 AND extract(month FROM p.day) = 1
                ELSE false END
          AND (%(everyone)s OR m.owner = ANY(%(headed)s::bigint[]) OR d.id = ANY(%(headed)s::bigint[]))
        ),
        merged AS (
        INSERT INTO {table} ({_COLUMNS}, recorded_at)
        SELECT {_COLUMNS}, %(now)s FROM resolved ORDER BY {MERGE_ORDER}
        {upsert_clause(table)}
        RETURNING (xmax = 0) AS inserted
        )
        SELECT metric_id, period_kind, date_trunc(period_kind, period_start::timestamp)::date,
               min(period_start),
               (SELECT count(*) FROM resolved),
               (SELECT count(*) FILTER (WHERE inserted) FROM merged),
               (SELECT count(*) FILTER (WHERE NOT inserted) FROM merged)
        FROM resolved GROUP BY 1, 2, 3
        """,
            {**params, "now": now},
        )
    except ProgrammingError as exc:
        if isinstance(exc.__cause__, pg_errors.CardinalityViolation):
            # "ON CONFLICT DO UPDATE command cannot affect row a second time": two rows of
            # the batch share a key; the row-by-row path names the duplicate.
            raise _Fallback from None
        raise
    except DataError:
        raise _Fallback from None  # a number PostgreSQL cannot read: the row-by-row path names it
    rows = cursor.fetchall()
    cursor.execute("SELECT set_config('enable_nestloop', 'on', true)")
    resolved, created, updated = rows[0][4:] if rows else (0, 0, 0)
    if resolved != count:
        raise _Fallback  # some row is bad: the row-by-row path names it
    if created + updated != resolved:
        # Some rows were kept as stored (an older or replayed recording). Two rows of the
        # batch sharing a key are caught above only when the first was written, so such a
        # batch takes the row-by-row path, which also finds the repeated ones.
        raise _Fallback
    return [row[:4] for row in rows], created, updated


def _headed(user) -> list[int]:
    from apps.core import roles

    return sorted(roles.headed_department_ids(user))
