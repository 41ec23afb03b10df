"""Two clients posting overlapping batches at once (issue #21): both commit, no deadlock,
and the rows are those of a serial run (on each key the later recording wins)."""

import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from apps.metrics import ingest
from apps.metrics.models import Measurement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HEADER = "metric,period_start,department,channel,source,value,sample_size\n"
DAYS = 1000
SOURCES = 10


def _batch(value: int, *, reverse: bool) -> bytes:
    """DAYS × SOURCES rows of WEB_ERR (daily here); written in opposite orders by the two
    clients, so row locks would be taken crosswise without a merge order."""
    start = date(2024, 1, 1)
    keys = [(start + timedelta(days=d), s) for d in range(DAYS) for s in range(SOURCES)]
    if reverse:
        keys.reverse()
    lines = [f"WEB_ERR,{day},WEBSITE,WEB,s{s},{value + s},1\n" for day, s in keys]
    return (HEADER + "".join(lines)).encode()


def _table() -> set[tuple]:
    return set(
        Measurement.objects.values_list(
            "metric_id", "period_start", "dept_key", "chan_key", "source", "value"
        )
    )


def test_two_overlapping_batches_at_once_both_commit_and_equal_a_serial_run(p, hierarchy):
    hierarchy.web_err.frequency = "daily"
    hierarchy.web_err.save(update_fields=["frequency"])
    first, second = _batch(100, reverse=False), _batch(200, reverse=True)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    recorded = {first: t0, second: t0 + timedelta(seconds=1)}
    barrier = threading.Barrier(2)
    outcomes: dict[bytes, object] = {}

    def client(body: bytes) -> None:
        try:
            barrier.wait()
            outcomes[body] = ingest.measurements_ingest_csv(
                io.BytesIO(body), by=p.alice, recorded_at=recorded[body]
            )
        except Exception as exc:  # reported below, never lost in the thread
            outcomes[body] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(body,)) for body in (second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for outcome in outcomes.values():
        assert isinstance(outcome, ingest.IngestResult) and outcome.ok, outcome
    assert len(outcomes) == 2
    # The batch that commits first takes the set-based path (the one under test). The other
    # does too when it is the later recording; when it is the older one, its rows are kept
    # as stored (the later recording wins) and such a batch goes the row-by-row way by design.
    set_based = [body for body, outcome in outcomes.items() if "row_by_row" not in outcome.timings]
    assert second in set_based, outcomes[second].timings
    total = DAYS * SOURCES
    assert Measurement.objects.count() == total
    # Whichever committed first, the later recording (value 200 + s) holds every key.
    concurrent = _table()
    assert {value for *_key, value in concurrent} == {200.0 + s for s in range(SOURCES)}

    # The same two batches one after the other, in either order, leave the same rows.
    for order in ((first, second), (second, first)):
        Measurement.objects.all().delete()
        for body in order:
            result = ingest.measurements_ingest_csv(io.BytesIO(body), by=p.alice, recorded_at=recorded[body])
            assert result.ok
        assert _table() == concurrent


def test_a_batch_the_database_rolls_back_as_a_deadlock_victim_is_a_503_to_retry(api, p, hierarchy):
    from unittest import mock

    from django.db import OperationalError
    from psycopg import errors

    def victim(*_args, **_kwargs):
        try:
            raise errors.DeadlockDetected("deadlock detected")
        except errors.DeadlockDetected as cause:
            raise OperationalError("deadlock detected") from cause

    with mock.patch.object(ingest, "measurements_ingest_csv", victim):
        response = api(p.alice_token).post(
            "/api/v1/measurements/bulk/", data=_batch(1, reverse=False), content_type="text/csv"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "Retry" in response.json()["detail"]
    assert not Measurement.objects.exists()
