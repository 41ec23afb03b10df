"""The set-based roll-up (`apps.metrics.rollup_sql`, PostgreSQL) against the pure-Python
engine it replaces (the reference), value by value, on the same stored data: the golden
example, the hierarchy the roll-up tests use (full and incremental), and random small
worlds. Floats agree to rounding (relative 1e-9); a status may differ only where the score
lies within 1e-9 of a threshold (DESIGN §4: summation order is the only difference)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.metrics import rollup
from apps.metrics.models import Measurement, Metric, MetricLink, RollupSnapshot, Target
from apps.organization.models import Channel, Department
from tests.factories import ChannelFactory, DepartmentFactory
from tests.metrics.golden import golden_data, load_golden
from tests.metrics.test_rollup import MONTHS_2025, ingest_rows, rows_for

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TODAY = date(2026, 11, 23)
KEY = ["metric__code", "period_kind", "period_start", "scope_kind", "scope_id"]
FLOATS = ["actual", "target", "baseline", "own_score", "driven_score", "gap", "value_at_stake"]


def snapshots() -> dict[tuple, dict]:
    return {
        tuple(row[:5]): dict(zip([*FLOATS, "status"], row[5:], strict=True))
        for row in RollupSnapshot.objects.values_list(*KEY, *FLOATS, "status")
    }


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def near_threshold(score) -> bool:
    return score is not None and any(abs(score - t) <= 1e-9 * max(1.0, t) for t in (100.0, 90.0, 80.0, 70.0))


def assert_equal(sql: dict, python: dict) -> None:
    assert set(sql) == set(python), (
        f"only set-based: {sorted(set(sql) - set(python))[:5]}; "
        f"only Python: {sorted(set(python) - set(sql))[:5]}"
    )
    for key, expected in python.items():
        got = sql[key]
        for column in FLOATS:
            assert close(got[column], expected[column]), (key, column, got, expected)
        if got["status"] != expected["status"]:
            score = expected["own_score"] if expected["own_score"] is not None else expected["driven_score"]
            assert near_threshold(score), (key, got, expected)


def both(monkeypatch, run) -> tuple[dict, dict, rollup.RollupStats]:
    """``run()`` through the Python engine, then the same through the set-based path over
    the rows the first left. Returns (set-based, Python, the set-based run's stats)."""
    from django.conf import settings as django_settings

    monkeypatch.setattr(django_settings, "ROLLUP_SET_BASED", False, raising=False)
    with transaction.atomic():
        sid = transaction.savepoint()
        run()
        python = snapshots()
        transaction.savepoint_rollback(sid)
    monkeypatch.setattr(django_settings, "ROLLUP_SET_BASED", True, raising=False)
    stats = run()
    assert stats.engine == "sql"
    return snapshots(), python, stats


def test_golden_example_matches_the_engine(p, monkeypatch):
    load_golden(golden_data(), by=p.alice)
    sql, python, _stats = both(monkeypatch, lambda: rollup.rollup_full(today=TODAY))
    assert len(python) > 600
    assert_equal(sql, python)


@pytest.mark.parametrize("today", [date(2025, 6, 14), date(2025, 12, 31), TODAY])
def test_hierarchy_matches_the_engine_on_any_today(p, hierarchy, monkeypatch, today):
    ingest_rows(p.alice, rows_for(MONTHS_2025))
    ingest_rows(p.alice, rows_for(MONTHS_2025, channel="WEB", base=280))
    ingest_rows(
        p.alice, rows_for(MONTHS_2025, metric="WEB_ERR", department="WEBSITE", channel="WEB", base=60)
    )
    ingest_rows(p.alice, rows_for(MONTHS_2025, metric="CSAT", department="", channel="", source="s", base=70))
    ingest_rows(
        p.alice, rows_for(["2025-01-01", "2025-04-01"], metric="NPS", department="", channel="", base=30)
    )
    sql, python, _stats = both(monkeypatch, lambda: rollup.rollup_full(today=today))
    assert any(v["value_at_stake"] for v in python.values())
    assert_equal(sql, python)


def test_incremental_set_based_equals_the_engine_and_a_full_run(p, hierarchy, monkeypatch):
    from django.conf import settings as django_settings

    monkeypatch.setattr(django_settings, "ROLLUP_SET_BASED", True, raising=False)
    ingest_rows(p.alice, rows_for(MONTHS_2025))
    ingest_rows(
        p.alice, rows_for(MONTHS_2025, metric="WEB_ERR", department="WEBSITE", channel="WEB", base=60)
    )
    rollup.rollup_full(today=TODAY)
    ingest_rows(p.alice, rows_for(["2025-06-01"], base=900))
    sql, python, stats = both(monkeypatch, lambda: rollup.rollup_dirty(today=TODAY))
    assert_equal(sql, python)
    assert stats.written > 0
    again = rollup.rollup_full(today=TODAY)
    assert_equal(snapshots(), sql)
    assert again.deleted == 0


def test_a_set_based_rerun_writes_nothing(p, hierarchy, monkeypatch):
    from django.conf import settings as django_settings

    monkeypatch.setattr(django_settings, "ROLLUP_SET_BASED", True, raising=False)
    ingest_rows(p.alice, rows_for(MONTHS_2025))
    first = rollup.rollup_full(today=TODAY)
    assert first.written > 0
    again = rollup.rollup_full(today=TODAY)
    assert (again.written, again.deleted, again.unchanged) == (0, 0, first.written)


def test_set_based_red_announcements_behave_as_the_engine(p, hierarchy, monkeypatch):
    from django.conf import settings as django_settings
    from django.utils import timezone

    from apps.notifications.models import Notification

    monkeypatch.setattr(django_settings, "ROLLUP_SET_BASED", True, raising=False)
    month = timezone.localdate().replace(day=1).isoformat()
    ingest_rows(p.alice, rows_for([month], base=250))
    rollup.rollup_dirty()
    assert not Notification.objects.filter(kind="metric_red").exists()
    ingest_rows(p.alice, rows_for([month], base=600))
    stats = rollup.rollup_dirty()
    assert stats.turned_red >= 1
    notes = Notification.objects.filter(kind="metric_red", recipient=p.hugo)
    assert notes.exists() and "AHT" in notes.first().subject
    count = notes.count()
    rollup.rollup_full()
    assert notes.count() == count


# --- random small worlds ------------------------------------------------------------------------

METRIC = st.fixed_dictionaries(
    {
        "aggregation": st.sampled_from(["mean", "sum", "last", "min", "max"]),
        "frequency": st.sampled_from(["daily", "weekly", "monthly", "quarterly", "yearly"]),
        "lower": st.booleans(),
        "monetary": st.booleans(),
    }
)


@st.composite
def worlds(draw):
    n = draw(st.integers(2, 5))
    metrics = [draw(METRIC) for _ in range(n)]
    # The last metric is a money top (a monetary `sum`): value at stake has somewhere to go.
    metrics[-1] = {**metrics[-1], "aggregation": "sum", "monetary": True}
    links = []
    for child in range(n - 1):
        # No parent at all: a root not linked to money (value at stake none, never 0).
        parents = draw(st.sets(st.integers(child + 1, n - 1), min_size=0, max_size=2))
        for parent in sorted(parents):
            links.append(
                (child, parent, draw(st.integers(1, 3)), draw(st.sampled_from([-2.0, -0.5, 0.0, 1.5])))
            )
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, 700),  # days after 2025-01-01
                st.sampled_from([None, "D1", "D2"]),
                st.sampled_from([None, "C1", "C2"]),
                st.floats(-50, 200, allow_nan=False, width=32),
                st.integers(1, 9),
            ),
            min_size=3,
            max_size=40,
        )
    )
    targets = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.sampled_from([None, None, "D1", "C1"]),
                st.integers(0, 300),
                st.sampled_from([None, 200, 500]),
                st.floats(1, 150, allow_nan=False, width=32),
                st.booleans(),
                st.sampled_from([90.0, 75.0]),
            ),
            min_size=2,
            max_size=8,
        )
    )
    today = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 800)))
    return metrics, links, rows, targets, today


def _build(world) -> None:
    from apps.metrics.engine.periods import frequency_period_start

    metrics, links, rows, targets, _today = world
    Metric.objects.exclude(code__startswith="FB_").delete()
    made = []
    for i, m in enumerate(metrics):
        made.append(
            Metric.objects.create(
                code=f"M{i}",
                name=f"M{i}",
                level="operational",
                direction="lower_is_better" if m["lower"] else "higher_is_better",
                aggregation=m["aggregation"],
                frequency=m["frequency"],
                is_monetary=m["monetary"] and m["aggregation"] == "sum",
            )
        )
    for child, parent, weight, impact in links:
        MetricLink.objects.create(child=made[child], parent=made[parent], weight=weight, impact=impact)
    depts = {c: Department.objects.get(code=c) for c in ("D1", "D2")}
    chans = {c: Channel.objects.get(code=c) for c in ("C1", "C2")}
    seen = set()
    for metric, day, d, c, value, n in rows:
        start = frequency_period_start(metrics[metric]["frequency"], date(2025, 1, 1) + timedelta(days=day))
        if (metric, start, d, c) in seen:
            continue
        seen.add((metric, start, d, c))
        Measurement.objects.create(
            metric=made[metric],
            period_start=start,
            department=depts.get(d),
            channel=chans.get(c),
            dept_key=depts[d].pk if d else 0,
            chan_key=chans[c].pk if c else 0,
            source="s",
            value=value,
            sample_size=n,
            recorded_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
    scopes = set()
    for metric, scope, start, length, value, with_baseline, amber in targets:
        if (metric, scope) in scopes:
            continue  # one target per metric and scope: no overlaps
        scopes.add((metric, scope))
        lower = metrics[metric]["lower"]
        Target.objects.create(
            metric=made[metric],
            department=depts.get(scope),
            channel=chans.get(scope),
            valid_from=date(2025, 1, 1) + timedelta(days=start),
            valid_to=None if length is None else date(2025, 1, 1) + timedelta(days=start + length),
            value=value,
            baseline=(value * 1.5 if lower else value / 2) if with_baseline else None,
            amber_threshold=amber,
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_random_small_worlds_match_the_engine(monkeypatch, world):
    with transaction.atomic():
        sid = transaction.savepoint()
        for code in ("D1", "D2"):
            DepartmentFactory(code=code)
        for code in ("C1", "C2"):
            ChannelFactory(code=code)
        _build(world)
        sql, python, _stats = both(monkeypatch, lambda: rollup.rollup_full(today=world[4]))
        assert_equal(sql, python)
        transaction.savepoint_rollback(sid)
