"""The demo metrics (DESIGN §9): the hierarchy loads, a second run changes nothing, and
the data tells the story the executive overview needs."""

import hashlib
import io
from datetime import date

import pytest
from django.db.models import Count
from django.utils import timezone

from apps.core.models import HistoryEntry
from apps.metrics import demo as metrics_demo
from apps.metrics.ingest import reserved_metric_codes
from apps.metrics.models import Measurement, Metric, MetricLink, RollupSnapshot, Target
from apps.organization import demo as organization_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    organization_demo.load()
    return metrics_demo.load()


def _month(months_ago: int) -> date:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 1)


def _fingerprint() -> dict:
    measurements = sorted(
        Measurement.objects.values_list(
            "metric__code",
            "period_start",
            "dept_key",
            "chan_key",
            "source",
            "value",
            "sample_size",
            "recorded_at",
        )
    )
    snapshots = sorted(
        RollupSnapshot.objects.values_list(
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
        ),
        key=repr,
    )
    return {
        "metrics": Metric.objects.exclude(code__in=reserved_metric_codes()).count(),
        "links": MetricLink.objects.filter(archived=False).count(),
        "targets": Target.objects.count(),
        "measurements": len(measurements),
        "snapshots": len(snapshots),
        "history": HistoryEntry.objects.count(),
        "measurement_hash": hashlib.sha256(repr(measurements).encode()).hexdigest(),
        "snapshot_hash": hashlib.sha256(repr(snapshots).encode()).hexdigest(),
        "versions": sorted(Metric.objects.values_list("code", "version"))
        + sorted(MetricLink.objects.values_list("pk", "version"))
        + sorted(Target.objects.values_list("pk", "version")),
    }


def _org_months(*starts) -> list[RollupSnapshot]:
    return list(
        RollupSnapshot.objects.filter(
            period_kind="month", period_start__in=starts, scope_kind="org", scope_id=0
        ).select_related("metric")
    )


def test_demo_builds_three_years_from_operations_to_money(demo):
    metrics = demo["metrics"]
    assert set(metrics) == {
        "AHT",
        "FCR",
        "WAIT",
        "CHECKOUT_ERR",
        "SELF_SERVICE",
        "CSAT",
        "NPS",
        "CES",
        "RETENTION",
        "CHURNED_REV",
        "REVENUE",
    }
    levels = {code: m.level for code, m in metrics.items()}
    assert levels["AHT"] == levels["FCR"] == "operational"
    assert levels["CSAT"] == levels["NPS"] == "experience"
    assert levels["REVENUE"] == levels["CHURNED_REV"] == "financial"
    assert {m.code for m in Metric.objects.filter(is_monetary=True)} == {"REVENUE", "CHURNED_REV"}
    assert metrics["AHT"].owner.email == "head.service@demo.cx"
    assert metrics["AHT"].owner_department.code == "CONTACT"
    # Higher retention lowers churned revenue; a longer handle time lowers satisfaction.
    assert MetricLink.objects.get(child__code="RETENTION", parent__code="CHURNED_REV").impact < 0
    assert MetricLink.objects.get(child__code="AHT", parent__code="CSAT").impact < 0
    assert Target.objects.filter(metric__code="AHT", department__code="CONTACT").exists()
    assert Target.objects.get(metric__code="NPS", department=None, channel=None).baseline is not None

    rows = Measurement.objects.filter(metric__code="AHT")
    assert rows.order_by("period_start").first().period_start == _month(35)
    assert rows.order_by("period_start").last().period_start == _month(0)
    # Mean metrics carry real sample sizes (contacts, responses, customers).
    assert not Measurement.objects.filter(metric__aggregation="mean", sample_size__lte=1).exists()
    # NPS: organisation totals from the survey tool, one a quarter.
    nps = Measurement.objects.filter(metric__code="NPS")
    assert set(nps.values_list("source", "department", "channel").distinct()) == {("survey_tool", None, None)}
    assert {d.month for d in nps.values_list("period_start", flat=True)} <= {1, 4, 7, 10}
    # §4 item 1: an explicit organisation total beside breakdowns, two sources for a cell.
    assert Measurement.objects.filter(metric__code="FCR", department=None, channel=None).exists()
    assert Measurement.objects.filter(metric__code="FCR", department__isnull=False).exists()
    assert (
        Measurement.objects.filter(metric__code="CSAT", source__in=["crm", "survey_tool"])
        .values("period_start", "dept_key", "chan_key")
        .annotate(n=Count("source", distinct=True))
        .filter(n=2)
        .exists()
    )


def test_second_run_changes_nothing(demo):
    before = _fingerprint()
    assert before["snapshots"] > 0
    out = io.StringIO()
    metrics_demo.load(stdout=out)
    assert _fingerprint() == before
    line = out.getvalue()
    assert f"{before['metrics']} metrics" in line
    assert f"{before['measurements']} measurements" in line
    assert f"{before['snapshots']} snapshots" in line


def test_story_has_red_amber_and_green_now(demo):
    statuses = {s.status for s in _org_months(_month(0), _month(1))}
    assert {"red", "amber", "green"} <= statuses


def test_cost_of_not_improving_last_month_is_positive(demo):
    last = _month(1)
    tops = [s for s in _org_months(last) if s.metric.code in ("REVENUE", "CHURNED_REV")]
    assert len(tops) == 2
    cost = sum(s.value_at_stake or 0 for s in tops)
    assert cost > 0
    # The money tops add up to the operational leaves' value at stake (§4 item 9).
    leaves = [s for s in _org_months(last) if s.metric.level == "operational"]
    assert sum(s.value_at_stake or 0 for s in leaves) == pytest.approx(cost)


def test_nps_is_quarterly_only(demo):
    nps = RollupSnapshot.objects.filter(metric__code="NPS")
    assert not nps.filter(period_kind="month").exists()
    assert nps.filter(period_kind="quarter", scope_kind="org").count() >= 11
