"""The roll-up job: incremental equals full, concurrency, retries, breaches (DESIGN §5)."""

import json
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.metrics import ingest, rollup, snapshot_store
from apps.metrics.models import DirtyPeriod, RollupSnapshot
from apps.notifications.models import Notification
from tests.metrics.golden import golden_data, load_golden

SNAPSHOT_COLUMNS = [
    "metric__code",
    "period_kind",
    "period_start",
    "scope_kind",
    "scope_id",
    "actual",
    "target",
    "baseline",
    "own_score",
    "driven_score",
    "status",
    "gap",
    "value_at_stake",
]


def all_snapshots() -> list[tuple]:
    return sorted(RollupSnapshot.objects.values_list(*SNAPSHOT_COLUMNS))


def rows_for(months, *, metric="AHT", department="SERVICE", channel="PHONE", source="acd", base=300.0):
    return [
        {
            "metric": metric,
            "period_start": m,
            "department": department,
            "channel": channel,
            "source": source,
            "value": base + i * 7 % 40,
            "sample_size": 10 + i,
        }
        for i, m in enumerate(months)
    ]


MONTHS_2025 = [f"2025-{m:02d}-01" for m in range(1, 13)]


def ingest_rows(user, rows):
    result = ingest.measurements_ingest(rows=rows, by=user, csv_mode=False)
    assert result.ok, result.errors
    return result


@pytest.fixture
def loaded(p, hierarchy):
    ingest_rows(p.alice, rows_for(MONTHS_2025))
    ingest_rows(p.alice, rows_for(MONTHS_2025, channel="WEB", base=280))
    ingest_rows(
        p.alice, rows_for(MONTHS_2025, metric="WEB_ERR", department="WEBSITE", channel="WEB", base=60)
    )
    ingest_rows(
        p.alice, rows_for(MONTHS_2025, metric="CSAT", department="", channel="", source="survey", base=70)
    )
    ingest_rows(
        p.alice, rows_for(["2025-01-01", "2025-04-01"], metric="NPS", department="", channel="", base=30)
    )
    rollup.rollup_full(today=date(2026, 11, 23))
    return hierarchy


@pytest.mark.django_db
def test_incremental_rollup_after_an_ingest_equals_a_full_recompute(p, loaded):
    ingest_rows(p.alice, rows_for(["2025-06-01"], base=900))  # one month, one department
    assert DirtyPeriod.objects.exists()
    stats = rollup.rollup_dirty(today=date(2026, 11, 23))
    assert stats.dirty_claimed >= 1
    assert not DirtyPeriod.objects.exists()
    incremental = all_snapshots()
    rollup.rollup_full(today=date(2026, 11, 23))
    assert incremental == all_snapshots()


@pytest.mark.django_db
def test_incremental_rollup_recomputes_only_the_affected_pairs(p, loaded):
    ingest_rows(p.alice, rows_for(["2025-06-01"], base=900))
    untouched = RollupSnapshot.objects.get(
        metric__code="AHT", period_kind="month", period_start=date(2025, 2, 1), scope_kind="org"
    )
    before = untouched.computed_at
    rollup.rollup_dirty(today=date(2026, 11, 23))
    untouched.refresh_from_db()
    assert untouched.computed_at == before
    changed = RollupSnapshot.objects.get(
        metric__code="REVENUE", period_kind="year", period_start=date(2025, 1, 1), scope_kind="org"
    )
    assert changed.computed_at > before


@pytest.mark.django_db
def test_editing_a_target_marks_and_recomputes_its_periods(p, loaded):
    from apps.metrics import services

    target = loaded.aht.targets.get(department__isnull=True)
    services.target_update(target=target, by=p.alice, version=target.version, value=250)
    rollup.rollup_dirty(today=date(2026, 11, 23))
    snap = RollupSnapshot.objects.get(
        metric__code="AHT", period_kind="month", period_start=date(2025, 3, 1), scope_kind="org"
    )
    assert snap.target == 250
    incremental = all_snapshots()
    rollup.rollup_full(today=date(2026, 11, 23))
    assert incremental == all_snapshots()


@pytest.mark.django_db
def test_editing_a_link_impact_recomputes_value_at_stake_below_it(p, loaded):
    from apps.metrics import services

    link = loaded.csat.parent_links.get(parent=loaded.revenue)
    services.link_update(link=link, by=p.alice, version=link.version, impact=5000)
    rollup.rollup_dirty(today=date(2026, 11, 23))
    incremental = all_snapshots()
    rollup.rollup_full(today=date(2026, 11, 23))
    assert incremental == all_snapshots()


@pytest.mark.postgres  # concurrent writers: SQLite locks the whole file
@pytest.mark.django_db(transaction=True)
def test_an_ingest_committed_during_a_rollup_is_picked_up_by_the_next_run(p, hierarchy, monkeypatch):
    from apps.metrics import dirty

    # Runs are started by hand here; an in-process run queued by the ingest would wait
    # for this one's lock.
    monkeypatch.setattr(dirty, "queue_rollup", lambda: None)
    failures = []
    ingest_rows(p.alice, rows_for(MONTHS_2025[:6]))
    rollup.rollup_full(today=date(2026, 11, 23))
    ingest_rows(p.alice, rows_for(["2025-07-01"]))
    # Stage 1 of whichever path runs: the set-based one keeps its actuals in the database.
    from apps.metrics import rollup_sql

    stage_one = (rollup_sql, "pg_actuals_table") if rollup.set_based() else (rollup, "compute_actuals")
    real = getattr(*stage_one)
    fired = []

    def compute_then_ingest(*args, **kwargs):
        result = real(*args, **kwargs)
        if not fired:
            fired.append(True)
            # Another request commits while this run is between reading and writing.
            worker = threading.Thread(
                target=lambda: (ingest_rows(p.alice, rows_for(["2025-08-01"], base=500)), connection.close())
            )
            worker.start()
            worker.join()
        return result

    monkeypatch.setattr(*stage_one, compute_then_ingest)
    rollup.rollup_dirty(today=date(2026, 11, 23))
    assert failures == []
    assert DirtyPeriod.objects.filter(claim_token__isnull=True).exists()  # left for the next run
    monkeypatch.setattr(*stage_one, real)
    rollup.rollup_dirty(today=date(2026, 11, 23))
    after_runs = all_snapshots()
    rollup.rollup_full(today=date(2026, 11, 23))
    assert after_runs == all_snapshots()
    assert any(s[0] == "AHT" and s[2] == date(2025, 8, 1) for s in after_runs)


@pytest.mark.postgres  # concurrent writers: SQLite locks the whole file
@pytest.mark.django_db(transaction=True)
def test_two_rollups_started_at_once_leave_the_same_rows_as_one(p, hierarchy):
    ingest_rows(p.alice, rows_for(MONTHS_2025))
    ingest_rows(p.alice, rows_for(MONTHS_2025, metric="CSAT", department="", channel="", source="s", base=70))
    rollup.rollup_full(today=date(2026, 11, 23))
    expected = all_snapshots()
    RollupSnapshot.objects.all().delete()
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            rollup.rollup_full(today=date(2026, 11, 23))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all_snapshots() == expected


@pytest.mark.django_db
def test_a_run_killed_half_way_leaves_the_previous_rows_and_a_retry_completes(p, loaded, monkeypatch):
    ingest_rows(p.alice, rows_for(["2025-06-01"], base=900))
    before = all_snapshots()
    dirty_before = DirtyPeriod.objects.count()
    real_delete = snapshot_store.delete_stale

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(snapshot_store, "delete_stale", die)
    with pytest.raises(SystemExit):
        rollup.rollup_dirty(today=date(2026, 11, 23))
    assert all_snapshots() == before
    assert DirtyPeriod.objects.filter(claim_token__isnull=True).count() == dirty_before
    monkeypatch.setattr(snapshot_store, "delete_stale", real_delete)
    rollup.rollup_dirty(today=date(2026, 11, 23))
    retried = all_snapshots()
    rollup.rollup_full(today=date(2026, 11, 23))
    assert retried == all_snapshots()


@pytest.mark.django_db
def test_a_snapshot_turning_red_in_an_open_period_notifies_the_owner(p, hierarchy):
    today = timezone.localdate()
    month = today.replace(day=1).isoformat()
    ingest_rows(p.alice, rows_for([month], base=250))  # AHT below its 300 target: green
    rollup.rollup_dirty()
    assert not Notification.objects.filter(kind="metric_red").exists()
    ingest_rows(p.alice, rows_for([month], base=600))  # twice the target: red
    rollup.rollup_dirty()
    notes = Notification.objects.filter(kind="metric_red", recipient=p.hugo)
    assert notes.exists()
    assert "AHT" in notes.first().subject
    count = notes.count()
    rollup.rollup_full()  # still red: nobody is told twice
    assert notes.count() == count


@pytest.mark.django_db
def test_backfilling_an_old_period_notifies_nobody(p, hierarchy):
    ingest_rows(p.alice, rows_for(["2024-03-01"], base=900))
    rollup.rollup_dirty()
    assert RollupSnapshot.objects.filter(metric__code="AHT", status="red").exists()
    assert not Notification.objects.filter(kind="metric_red").exists()


PARITY_SCRIPT = r"""
import json, os, sys
from datetime import date
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from apps.organization.models import User
from apps.metrics.rollup import rollup_full
from apps.metrics.models import RollupSnapshot
from tests.metrics.golden import golden_data, load_golden
user = User.objects.create_user("parity@example.com", "pw", display_name="Parity")
load_golden(golden_data(), by=user)
rollup_full(today=date(2026, 11, 23))
rows = RollupSnapshot.objects.values_list(
    "metric__code", "period_kind", "period_start", "scope_kind", "status", "actual", "target", "own_score",
    "driven_score", "gap", "value_at_stake")
out = []
for r in rows:
    out.append([r[0], r[1], r[2].isoformat(), r[3], *r[4:]])
json.dump(out, sys.stdout)
"""


@pytest.mark.django_db
def test_parity_sqlite_and_postgresql_give_the_same_snapshots(p, tmp_path):
    """The same roll-up on SQLite (engine reference, in a subprocess) and on this database."""
    load_golden(golden_data(), by=p.alice)
    rollup.rollup_full(today=date(2026, 11, 23))
    here = sorted(
        [c, k, s.isoformat(), sk, *rest]
        for c, k, s, sk, *rest in RollupSnapshot.objects.values_list(
            "metric__code",
            "period_kind",
            "period_start",
            "scope_kind",
            "status",
            "actual",
            "target",
            "own_score",
            "driven_score",
            "gap",
            "value_at_stake",
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'parity.sqlite3'}",
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", PARITY_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    there = sorted(json.loads(result.stdout))
    assert len(here) == len(there) > 600
    for a, b in zip(here, there, strict=True):
        assert a[:5] == b[:5]
        for x, y in zip(a[5:], b[5:], strict=True):
            assert (x is None and y is None) or abs(x - y) <= 1e-9 * max(1.0, abs(x)), (a, b)


def stored_rows() -> dict[tuple, tuple]:
    """Every snapshot by key: (values, computed_at)."""
    return {
        row[:5]: (row[5:-1], row[-1])
        for row in RollupSnapshot.objects.values_list(*SNAPSHOT_COLUMNS, "computed_at")
    }


@pytest.mark.django_db
@pytest.mark.parametrize("set_based", [True, False])
def test_a_rerun_over_unchanged_inputs_writes_nothing(p, loaded, settings, set_based):
    settings.ROLLUP_SET_BASED = set_based  # on PostgreSQL: both paths; SQLite has one
    rollup.rollup_full(today=date(2026, 11, 23))
    before = stored_rows()
    stats = rollup.rollup_full(today=date(2026, 11, 23))
    assert stats.periods > 0 and stats.metrics > 0
    assert (stats.written, stats.deleted) == (0, 0)
    assert stats.unchanged == len(before) > 100
    assert stored_rows() == before  # computed_at included: not one row was touched


@pytest.mark.django_db
def test_a_changed_measurement_writes_only_the_rows_whose_values_change(p, loaded):
    before = stored_rows()
    ingest_rows(p.alice, rows_for(["2025-06-01"], base=900))
    stats = rollup.rollup_dirty(today=date(2026, 11, 23))
    after = stored_rows()
    changed = {k for k in after if k not in before or after[k][0] != before[k][0]}
    assert changed  # AHT June and what it drives
    assert stats.written == len(changed)
    assert stats.deleted == 0 and stats.written + stats.unchanged > stats.written
    for key, (values, computed_at) in after.items():
        if key not in changed:
            assert (values, computed_at) == before[key]
    assert ("AHT", "month", date(2025, 6, 1), "org", 0) in changed
    assert ("AHT", "month", date(2025, 2, 1), "org", 0) not in changed
    # A full run afterwards agrees and has nothing left to write.
    assert rollup.rollup_full(today=date(2026, 11, 23)).written == 0


@pytest.mark.django_db
def test_a_snapshot_no_longer_produced_is_deleted_and_counted(p, loaded):
    from apps.metrics.models import Measurement

    Measurement.objects.filter(metric__code="NPS", period_start=date(2025, 4, 1)).delete()
    stats = rollup.rollup_full(today=date(2026, 11, 23))
    assert stats.deleted >= 1
    assert not RollupSnapshot.objects.filter(
        metric__code="NPS", period_kind="quarter", period_start=date(2025, 4, 1)
    ).exists()
    assert rollup.rollup_full(today=date(2026, 11, 23)).deleted == 0


@pytest.mark.django_db
def test_the_rollup_page_shows_written_unchanged_and_deleted(p, loaded, client):
    from apps.metrics.models import RollupRun

    stats = rollup.rollup_full(today=date(2026, 11, 23)).as_dict()
    RollupRun.objects.create(mode="full", requested_by=p.alice, state="done", stats={**stats, "timings": {}})
    client.force_login(p.alice)
    html = client.get("/metrics/rollups/").content.decode()
    assert "Snapshots unchanged" in html and "Snapshots deleted" in html
    assert f'<td class="num">0</td><td class="num">{stats["unchanged"]}</td><td class="num">0</td>' in html
