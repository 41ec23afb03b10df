"""The set-based CSV ingest answers exactly as the row-by-row one (issue #21): for clean and
hostile files alike the same result, the same error report (row numbers, fields, reasons)
and the same stored rows; clean files take the set-based path."""

import io
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from apps.core.errors import BadPayload, BatchTooLarge
from apps.metrics import ingest
from apps.metrics.models import DirtyPeriod, Measurement

pytestmark = pytest.mark.django_db

HEADER = "metric,period_start,department,channel,source,value,sample_size"
RECORDED = datetime(2026, 1, 5, 12, tzinfo=UTC)
AHT = "AHT,2025-03-01,SERVICE,PHONE,acd,310,40"
WEB = "WEB_ERR,2025-03-01,WEBSITE,,web,12,"


def _set_based(result) -> bool:
    """Whether the set-based path wrote the batch (PostgreSQL only: SQLite has no other)."""
    return connection.vendor != "postgresql" or "row_by_row" not in result.timings


class _Undo(Exception):
    pass


def _lines(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _stored():
    return sorted(
        Measurement.objects.values_list(
            "metric__code",
            "period_start",
            "department__code",
            "channel__code",
            "dept_key",
            "chan_key",
            "source",
            "value",
            "sample_size",
            "recorded_at",
        )
    )


def _outcome(run):
    """What a path answers and leaves (rows, dirty pairs), then undone."""
    try:
        with transaction.atomic():
            try:
                result = run()
                answer = ("result", result.as_dict())
            except (BadPayload, BatchTooLarge) as exc:
                answer = (type(exc).__name__, str(exc))
                result = None
            seen = (
                answer,
                _stored(),
                sorted(DirtyPeriod.objects.values_list("metric_id", "period_kind", "period_start")),
            )
            raise _Undo
    except _Undo:
        pass
    return seen, result


def _both(body: bytes, user):
    fast, fast_result = _outcome(
        lambda: ingest.measurements_ingest_csv(io.BytesIO(body), by=user, recorded_at=RECORDED)
    )
    reference, _ = _outcome(
        lambda: ingest.measurements_ingest(
            rows=ingest.rows_from_csv(
                io.TextIOWrapper(io.BytesIO(body), encoding=ingest.TEXT_ENCODING, newline="")
            ),
            by=user,
            csv_mode=True,
            recorded_at=RECORDED,
        )
    )
    return fast, reference, fast_result


CLEAN = {
    "plain": _lines(AHT, WEB),
    "spaces around codes and source": _lines(" AHT ,2025-03-01, SERVICE , PHONE , acd ,310,40"),
    "a department of spaces is none": _lines("WEB_ERR,2025-03-01, ,WEB,web,12,"),
    "number forms": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,a,+5,",
        "WEB_ERR,2025-03-01,WEBSITE,,b,.5,",
        "WEB_ERR,2025-03-01,WEBSITE,,c,5.,2",
        "WEB_ERR,2025-03-01,WEBSITE,,d,1e2,1E+02",
        "WEB_ERR,2025-03-01,WEBSITE,,e,-0,",
        "WEB_ERR,2025-03-01,WEBSITE,,f,0.1000000000000000055511151231257827,",
    ),
    "blank lines": _lines(AHT, "", WEB, ""),
    "quoted fields": _lines(
        'AHT,2025-03-01,SERVICE,PHONE,"acd, line 2",310,40',
        '"WEB_ERR","2025-03-01","WEBSITE","","web","12",""',
    ),
    "header in another order, upper case, extra and repeated columns": _lines(
        "acd,40,310,AHT,2025-03-01,PHONE,SERVICE,x,ignored",
        header="SOURCE,sample_size,value,metric,period_start,channel,department,note,note",
    ),
    "optional columns absent": _lines("WEB_ERR,2025-03-01,web,12", header="metric,period_start,source,value"),
    "a byte-order mark": b"\xef\xbb\xbf" + _lines(AHT),
    "semicolons and decimal commas": _lines(
        "AHT;2025-03-01;SERVICE;PHONE;acd;1.234,5;40",
        "WEB_ERR;2025-03-01;WEBSITE;;web;12,25;",
        header=HEADER.replace(",", ";"),
    ),
    "header only": _lines(),
}

HOSTILE = {
    "unknown codes": _lines(AHT, "NOPE,2025-03-01,SERVICE,PHONE,acd,1,1", "AHT,2025-03-01,MARS,FAX,acd,1,1"),
    "dates": _lines(
        "AHT,2025-03-02,SERVICE,PHONE,a,1,1", "AHT,2025-02-30,SERVICE,PHONE,b,1,1", "AHT,2025-3-01,,,c,1,1"
    ),
    "numbers Python reads and the pattern does not": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,a,1_000,",
        "WEB_ERR,2025-03-01,WEBSITE,,b, 12 ,",
        "WEB_ERR,2025-03-01,WEBSITE,,c,1e-5,",
    ),
    "numbers nobody reads": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,a,nan,",
        "WEB_ERR,2025-03-01,WEBSITE,,b,1e400,",
        "WEB_ERR,2025-03-01,WEBSITE,,c,0x10,",
        "WEB_ERR,2025-03-01,WEBSITE,,d,12,0",
        "WEB_ERR,2025-03-01,WEBSITE,,e,,",
    ),
    "numbers made of number characters only": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,a,1e,",
        "WEB_ERR,2025-03-01,WEBSITE,,b,--1,",
        "WEB_ERR,2025-03-01,WEBSITE,,c,.,",
    ),
    "an overflow": _lines("WEB_ERR,2025-03-01,WEBSITE,,a,1e999,"),
    "too large to keep": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,a,2e300,", "AHT,2025-03-01,SERVICE,PHONE,acd,1,5e300"
    ),
    "an underflow Python reads as 0": _lines("WEB_ERR,2025-03-01,WEBSITE,,a,1e-400,"),
    "infinity and hex": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,a,Infinity,",
        "WEB_ERR,2025-03-01,WEBSITE,,b,-inf,",
        "WEB_ERR,2025-03-01,WEBSITE,,c,0x1p3,",
    ),
    "a mean metric without sample size": _lines("AHT,2025-03-01,SERVICE,PHONE,acd,310,"),
    "duplicates, also after stripping": _lines(AHT, AHT, "AHT,2025-03-01,SERVICE,PHONE, acd ,1,1"),
    "wrong width": _lines(AHT, "AHT,2025-03-01,SERVICE", WEB),
    "sources": _lines(
        "WEB_ERR,2025-03-01,WEBSITE,,\u00a0web\u00a0,1,",
        "WEB_ERR,2025-03-01,WEBSITE,," + "s" * 65 + ",1,",
        'WEB_ERR,2025-03-01,WEBSITE,,"a\tb",1,',
        "WEB_ERR,2025-03-01,WEBSITE,,,1,",
    ),
    "a NUL in a field": _lines(AHT, "WEB_ERR,2025-03-01,WEBSITE,,w\x00b,1,"),
    "an unterminated quote": _lines(AHT, 'WEB_ERR,2025-03-01,WEBSITE,,"web,1,'),
    "not UTF-8": _lines(AHT).replace(b"acd", b"ac\xe9"),
    "empty": b"",
    "header lacking fields": b"a,b\n1,2\n",
}


ACCEPTED_BY_PYTHON = {"numbers Python reads and the pattern does not", "an underflow Python reads as 0"}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_a_clean_file_takes_the_set_based_path_with_the_same_outcome(p, hierarchy, name):
    fast, reference, result = _both(CLEAN[name], p.alice)
    assert fast == reference
    assert fast[0][0] == "result" and "errors" not in fast[0][1], fast[0]
    assert _set_based(result)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_gets_the_same_answer_either_way(p, hierarchy, name):
    fast, reference, _ = _both(HOSTILE[name], p.alice)
    assert fast == reference
    assert fast[0][0] != "result" or "errors" in fast[0][1] or name in ACCEPTED_BY_PYTHON, fast[0]


def test_reserved_sources_and_a_head_s_rows_get_the_same_answer(p, hierarchy):
    reserved = next(iter(ingest.RESERVED_SOURCES))
    body = _lines(f"WEB_ERR,2025-03-01,WEBSITE,,{reserved},1,")
    fast, reference, _ = _both(body, p.alice)
    assert fast == reference and "errors" in fast[0][1]
    mixed = _lines(AHT, "WEB_ERR,2025-03-01,WEBSITE,,web,1,", "WEB_ERR,2025-03-01,SERVICE,,web,1,")
    fast, reference, _ = _both(mixed, p.hugo)  # Service's head
    assert fast == reference
    assert [e["row"] for e in fast[0][1]["errors"]] == [1]
    fast, reference, result = _both(_lines(AHT, "WEB_ERR,2025-03-01,SERVICE,,web,1,"), p.hugo)
    assert fast == reference and _set_based(result)


def test_updates_follow_the_latest_recording_either_way(p, hierarchy):
    ingest.measurements_ingest_csv(io.BytesIO(_lines(AHT, WEB)), by=p.alice, recorded_at=RECORDED)
    changed = _lines("AHT,2025-03-01,SERVICE,PHONE,acd,300,40", WEB.replace(",12,", ",13,"))
    fast, reference, result = _both(changed, p.alice)
    assert fast == reference
    assert (fast[0][1]["created"], fast[0][1]["updated"]) == (0, 2)
    assert _set_based(result)
    # WEB again: the same numbers at the same instant are kept as they are (a replay), and
    # a duplicate hidden behind such a row is still named: those take the row-by-row way.
    replay = _lines("AHT,2025-03-01,SERVICE,PHONE,acd,300,40", WEB)
    fast, reference, result = _both(replay, p.alice)
    assert fast == reference and (fast[0][1]["created"], fast[0][1]["updated"]) == (0, 1)
    fast, reference, result = _both(_lines(WEB, WEB.replace(",12,", ",14,")), p.alice)
    assert fast == reference and "duplicate of row 0" in fast[0][1]["errors"][0]["message"]
    older = ingest.measurements_ingest_csv(
        io.BytesIO(_lines("AHT,2025-03-01,SERVICE,PHONE,acd,1,40")),
        by=p.alice,
        recorded_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert (older.created, older.updated) == (0, 0)
    assert Measurement.objects.get(metric__code="AHT").value == 310  # the later recording stays


def test_the_batch_limit_holds_either_way(p, hierarchy, settings):
    settings.MEASUREMENT_BATCH_LIMIT = 2
    fast, reference, _ = _both(_lines(AHT, WEB, "AHT,2025-04-01,SERVICE,PHONE,acd,310,40"), p.alice)
    assert fast == reference and fast[0][0] == "BatchTooLarge"
