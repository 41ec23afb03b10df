"""The CSV ingest on PostgreSQL, set-based (issue #21): the rows stream with COPY into a
temporary table of text, are checked and resolved there in one statement, and merge with
one INSERT … ON CONFLICT in key order; the dirty pairs are computed in SQL, in the same
transaction.

It only ever *accepts*. Each column of the raw table is checked conservatively: the few
distinct codes, dates and sources of a batch by the very checks of the row-by-row path
(`ingest._RowChecker`), and the numbers by a pattern narrower than Python's float() (no
spaces, no exponent beyond two digits, at most 200 digits: finite, ≤ 1e300, and read to
the same double by PostgreSQL and Python, both correctly rounded). A batch with any row
outside that — a bad row, a duplicate key, a line of the wrong width, a value the pattern
does not know — is rolled back and handed to the row-by-row path, which decides and names
every bad row with its number exactly as before. So the fast path changes nothing that
is answered, only how quickly a clean batch is written."""

from __future__ import annotations

import csv
import io
import time
from operator import itemgetter
from typing import IO

from django.db import connection, transaction
from psycopg import errors as pg_errors

from apps.core.errors import BadPayload, BatchTooLarge

from . import dirty
from .engine.periods import Period
from .ingest import (
    _COLUMNS,
    FIELDS,
    MERGE_ORDER,
    RESERVED_SOURCES,
    TEXT_ENCODING,
    IngestResult,
    _Lookups,
    _RowChecker,
    batch_limit,
    decimal_point,
    moved_start_pairs,
    open_csv,
    periods_report,
    upsert_clause,
)
from .models import Measurement

# A finite number PostgreSQL and Python read alike: at most 200 characters (so its digits
# and an exponent of two give |x| < 1e300, and no underflow). No counted repetitions: they
# make PostgreSQL's regular expressions 20 times slower.
NUMBER = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9][0-9]?)?$"
NUMBER_LENGTH = 200
FLUSH_BYTES = 1 << 20


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
    text = io.TextIOWrapper(spool, encoding=TEXT_ENCODING, errors="strict", newline="")
    try:
        with transaction.atomic():
            result = _ingest(text, by=by, now=now, clock=clock)
        clock.lap("commit")  # the deferred foreign-key checks run here
        return result
    except _Fallback:
        clock.lap("fallback")
        return None
    finally:
        text.detach()  # the caller's spool stays open for the row-by-row path


def _ingest(text, *, by, now, clock: _Clock) -> IngestResult:
    try:
        header, numbers, reader = open_csv(text)
    except BadPayload:
        raise _Fallback from None  # the row-by-row path gives the same answer
    position = {name: i for i, name in enumerate(header)}  # a repeated name: the last wins, as dict()
    present = [f for f in FIELDS if f in position]
    pick = itemgetter(*[position[f] for f in present])
    width = len(header)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ingest_raw (idx integer, metric text, period_start text,"
            " department text, channel text, source text, value text, sample_size text)"
            " ON COMMIT DELETE ROWS"
        )
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ingest_resolved (metric_id bigint, period_start date,"
            " department_id bigint, channel_id bigint, dept_key bigint, chan_key bigint,"
            " source varchar(64), value double precision, sample_size double precision,"
            " period_kind text) ON COMMIT DELETE ROWS"
        )
        clock.lap("setup")
        count = _copy_rows(cursor, reader, width, numbers, present, pick, clock)
        if count == 0:
            return IngestResult()
        lookups = _Lookups.load()
        _resolve(cursor, by, lookups, count)
        clock.lap("validate")
        cursor.execute("SELECT metric_id, min(period_start) FROM ingest_resolved GROUP BY metric_id")
        moved = moved_start_pairs(dict(cursor.fetchall()))
        clock.lap("dirty")
        created, updated = _merge(cursor, now)
        clock.lap("merge")
        cursor.execute(
            "SELECT DISTINCT metric_id, period_kind, date_trunc(period_kind, period_start::timestamp)::date"
            " FROM ingest_resolved"
        )
        pairs = {(metric_id, Period(kind, start)) for metric_id, kind, start in cursor.fetchall()}
        dirty.mark(pairs | moved)
        # Emptied on commit; now too, for a caller whose transaction goes on (a test, a script).
        cursor.execute("TRUNCATE ingest_raw, ingest_resolved")
        clock.lap("dirty")
    result = IngestResult(created=created, updated=updated)
    result.periods = periods_report(pairs, lookups)
    return result


def _copy_rows(cursor, reader, width, numbers, present, pick, clock: _Clock) -> int:
    """The data lines into ingest_raw, numbered as the row-by-row path numbers them."""
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
    clock.lap("parse_copy")
    return index


def _resolve(cursor, by, lookups: _Lookups, count: int) -> None:
    """ingest_raw → ingest_resolved; _Fallback unless every row resolved clean."""
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
    cursor.execute(
        f"""
        INSERT INTO ingest_resolved
        WITH parsed AS MATERIALIZED (  -- each pattern matched once per row
            SELECT r.*,
                   CASE WHEN length(r.value) <= %(length)s AND r.value ~ %(number)s
                        THEN r.value::float8 END AS value_number,
                   CASE WHEN length(r.sample_size) <= %(length)s AND r.sample_size ~ %(number)s
                        THEN r.sample_size::float8 END AS sample_number
            FROM ingest_raw r
        )
        SELECT m.id, p.day, d.id, c.id, coalesce(d.id, 0), coalesce(c.id, 0), s.clean, r.value_number,
               coalesce(r.sample_number, 1.0),
               CASE m.frequency WHEN 'quarterly' THEN 'quarter' WHEN 'yearly' THEN 'year' ELSE 'month' END
        FROM parsed r
        JOIN unnest(%(m_raw)s::text[], %(m_id)s::bigint[], %(m_freq)s::text[], %(m_agg)s::text[],
                    %(m_owner)s::bigint[]) AS m(raw, id, frequency, aggregation, owner) ON m.raw = r.metric
        JOIN unnest(%(p_raw)s::text[], %(p_day)s::date[]) AS p(raw, day) ON p.raw = r.period_start
        LEFT JOIN unnest(%(d_raw)s::text[], %(d_id)s::bigint[]) AS d(raw, id) ON d.raw = r.department
        LEFT JOIN unnest(%(c_raw)s::text[], %(c_id)s::bigint[]) AS c(raw, id) ON c.raw = r.channel
        JOIN unnest(%(s_raw)s::text[], %(s_clean)s::text[]) AS s(raw, clean) ON s.raw = r.source
        WHERE (r.department IS NULL OR d.raw IS NOT NULL)
          AND (r.channel IS NULL OR c.raw IS NOT NULL)
          AND r.value_number IS NOT NULL
          AND CASE WHEN r.sample_size IS NULL THEN m.aggregation <> 'mean' ELSE r.sample_number >= 1 END
          AND CASE m.frequency
                WHEN 'daily' THEN true
                WHEN 'weekly' THEN extract(isodow FROM p.day) = 1
                WHEN 'monthly' THEN extract(day FROM p.day) = 1
                WHEN 'quarterly'
                  THEN extract(day FROM p.day) = 1 AND extract(month FROM p.day) IN (1, 4, 7, 10)
                WHEN 'yearly' THEN extract(day FROM p.day) = 1 AND extract(month FROM p.day) = 1
                ELSE false END
          AND {"true" if everyone else "(m.owner = ANY(%(headed)s) OR d.id = ANY(%(headed)s))"}
        """,
        {
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
            "number": NUMBER,
            "length": NUMBER_LENGTH,
            "headed": headed,
        },
    )
    if cursor.rowcount != count:
        raise _Fallback  # some row is bad: the row-by-row path names it
    cursor.execute(f"SELECT EXISTS (SELECT FROM ingest_resolved GROUP BY {MERGE_ORDER} HAVING count(*) > 1)")
    if cursor.fetchone()[0]:
        raise _Fallback  # a duplicate key: the row-by-row path names the row it repeats


def _headed(user) -> list[int]:
    from apps.core import roles

    return sorted(roles.headed_department_ids(user))


def _merge(cursor, now) -> tuple[int, int]:
    table = Measurement._meta.db_table
    columns = _COLUMNS
    cursor.execute(
        f"WITH merged AS ("
        f" INSERT INTO {table} ({columns}, recorded_at)"
        f" SELECT {columns}, %s FROM ingest_resolved ORDER BY {MERGE_ORDER}"
        f" {upsert_clause(table)}"
        f" RETURNING (xmax = 0) AS inserted)"
        f" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged",
        [now],
    )
    created, updated = cursor.fetchone()
    return created, updated
