"""The golden example of DESIGN §4 through the database, the roll-up and the snapshot API."""

import math
from datetime import date

import pytest

from apps.metrics.rollup import rollup_full
from tests.metrics.golden import golden_data, load_golden

DATA = golden_data()
pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
FIELDS = ["actual", "target", "own_score", "driven_score", "gap", "value_at_stake"]


def _close(a, b):
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


@pytest.fixture
def golden_api(p, api):
    load_golden(DATA, by=p.alice)
    rollup_full(today=TODAY)
    client = api(p.alice_token)

    def fetch(period, scope):
        rows = []
        url = f"/api/v1/snapshots/?period={period}&scope={scope}"
        while url:
            page = client.get(url).json()
            rows.extend(page["results"])
            url = page["next"]
        return {r["metric"]: r for r in rows}

    return fetch


def test_snapshot_api_returns_every_golden_snapshot(golden_api):
    cache = {}
    mismatches = []
    for exp in DATA["expected"]:
        key = (exp["period"], exp["scope"])
        if key not in cache:
            cache[key] = golden_api(*key)
        got = cache[key].get(exp["metric"])
        if got is None:
            mismatches.append(f"missing {exp['metric']} {key}")
            continue
        if got["status"] != exp["status"]:
            mismatches.append(f"{exp['metric']} {key} status {got['status']} != {exp['status']}")
        for field in FIELDS:
            if not _close(got[field], exp[field]):
                mismatches.append(f"{exp['metric']} {key} {field} {got[field]} != {exp[field]}")
    assert mismatches == []


def test_absent_golden_snapshots_do_not_exist(golden_api):
    for absent in DATA["absent"]:
        assert absent["metric"] not in golden_api(absent["period"], absent["scope"]), absent


def test_rolling_up_twice_gives_identical_rows(p):
    from apps.metrics.models import RollupSnapshot

    load_golden(DATA, by=p.alice)
    rollup_full(today=TODAY)
    first = list(
        RollupSnapshot.objects.order_by("pk").values(
            *FIELDS, "status", "metric_id", "period_kind", "period_start", "scope_kind", "scope_id"
        )
    )
    stats = rollup_full(today=TODAY)
    second = list(
        RollupSnapshot.objects.order_by("pk").values(
            *FIELDS, "status", "metric_id", "period_kind", "period_start", "scope_kind", "scope_id"
        )
    )
    assert first == second
    assert stats.deleted == 0
