"""The worked example of DESIGN §4 in shared/golden/engine_example.json, to 1e-6 relative."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from apps.metrics.engine import (
    Evaluation,
    LinkDef,
    MeasurementRow,
    MetricDef,
    TargetDef,
    aggregate,
    compute_snapshots,
    money_tops,
)
from tests.engine.builders import P, index
from tests.golden import golden_json

FIELDS = ("actual", "target", "own_score", "driven_score", "status", "gap", "value_at_stake")
TODAY = date(2026, 11, 23)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def load_golden() -> dict:
    data = golden_json()
    links = data["links"]
    return {
        "raw": data,
        "metrics": [
            MetricDef(m["code"], m["direction"], m["aggregation"], m["frequency"], m["is_monetary"])
            for m in data["metrics"]
        ],
        "links": [LinkDef(x["child"], x["parent"], x["weight"], x["impact"]) for x in links],
        "targets": [
            TargetDef(
                metric=t["metric"],
                valid_from=_date(t["valid_from"]),
                valid_to=_date(t["valid_to"]),
                department=t.get("department"),
                channel=t.get("channel"),
                value=t["value"],
                baseline=t.get("baseline"),
                amber_threshold=t.get("amber_threshold", 90),
            )
            for t in data["targets"]
        ],
        "rows": [
            MeasurementRow(
                metric=r["metric"],
                period_start=date.fromisoformat(r["period_start"]),
                department=r["department"],
                channel=r["channel"],
                source=r["source"],
                value=r["value"],
                sample_size=r["sample_size"],
                recorded_at=datetime.fromisoformat(r["recorded_at"].replace("Z", "+00:00")),
            )
            for r in data["measurements"]
        ],
        "departments": dict.fromkeys(data["departments"]),
        "channels": list(data["channels"]),
    }


@pytest.fixture(scope="module")
def golden():
    return load_golden()


@pytest.fixture(scope="module")
def results(golden):
    return compute_snapshots(
        golden["rows"],
        metrics=golden["metrics"],
        links=golden["links"],
        targets=golden["targets"],
        departments=golden["departments"],
        channels=golden["channels"],
        today=TODAY,
    )


def _same(ours, theirs) -> bool:
    if ours is None or theirs is None or isinstance(theirs, str):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-9)


def test_every_expected_snapshot_matches_the_golden_example(golden, results):
    found = index(results)
    mismatches = []
    for expected in golden["raw"]["expected"]:
        key = (expected["metric"], expected["period"], expected["scope"])
        snapshot = found.get(key)
        if snapshot is None:
            mismatches.append(f"{key}: missing")
            continue
        for field in FIELDS:
            ours = getattr(snapshot, field)
            if not _same(ours, expected[field]):
                mismatches.append(f"{key} {field}: ours {ours!r}, golden {expected[field]!r}")
    assert not mismatches, "\n".join(mismatches)
    assert len(golden["raw"]["expected"]) == 672


def test_absent_snapshots_do_not_exist(golden, results):
    found = index(results)
    present = [
        (a["metric"], a["period"], a["scope"])
        for a in golden["raw"]["absent"]
        if (a["metric"], a["period"], a["scope"]) in found
    ]
    assert not present


def test_no_snapshot_of_2024_beyond_the_expected_ones(golden, results):
    expected = {(e["metric"], e["period"], e["scope"]) for e in golden["raw"]["expected"]}
    extra = [key for key in index(results) if key[1].startswith("2024") and key not in expected]
    assert not extra


def test_money_tops_add_up_to_the_cost_of_not_improving(golden, results):
    tops = money_tops(golden["metrics"], golden["links"])
    assert tops == ["CHURNED_REV", "REVENUE"]
    evaluation = Evaluation(
        aggregate(golden["rows"], golden["metrics"], golden["departments"]),
        metrics=golden["metrics"],
        links=golden["links"],
        targets=golden["targets"],
        departments=golden["departments"],
        channels=golden["channels"],
        today=TODAY,
    )
    found = index(results)
    for period in ("2024-01", "2024-Q2", "2024"):
        cost = evaluation.cost_of_not_improving(P(period))
        leaves_total = sum(
            found[(leaf, period, "org")].value_at_stake
            for leaf in ("AHT", "FCR", "CHECKOUT_ERR", "SELF_SERVICE")
        )
        tops_total = sum(found[(top, period, "org")].value_at_stake for top in tops)
        assert math.isclose(cost, leaves_total, rel_tol=1e-9)
        assert math.isclose(cost, tops_total, rel_tol=1e-9)
