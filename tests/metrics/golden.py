"""Load the golden example (tests/golden/engine_example.json) into the database through the services."""

from datetime import date, datetime

from apps.metrics import ingest, services
from apps.metrics.models import Measurement, Metric
from apps.organization.models import Channel, Department
from tests.golden import golden_json


def golden_data() -> dict:
    return golden_json()


def load_golden(data: dict, *, by) -> None:
    depts = {
        code: Department.objects.get_or_create(code=code, defaults={"name": code})[0]
        for code in data["departments"]
    }
    chans = {
        code: Channel.objects.get_or_create(code=code, defaults={"name": code})[0]
        for code in data["channels"]
    }
    metrics = {}
    for m in data["metrics"]:
        metrics[m["code"]] = services.metric_create(
            by=by,
            code=m["code"],
            name=m["name"],
            level=m["level"],
            direction=m["direction"],
            aggregation=m["aggregation"],
            frequency=m["frequency"],
            unit=m.get("unit", ""),
            is_monetary=m["is_monetary"],
        )
    for link in data["links"]:
        services.link_create(
            by=by,
            child=metrics[link["child"]],
            parent=metrics[link["parent"]],
            weight=link["weight"],
            impact=link["impact"],
        )
    for t in data["targets"]:
        services.target_create(
            by=by,
            metric=metrics[t["metric"]],
            valid_from=date.fromisoformat(t["valid_from"]),
            valid_to=date.fromisoformat(t["valid_to"]) if t["valid_to"] else None,
            department=depts[t["department"]] if t.get("department") else None,
            channel=chans[t["channel"]] if t.get("channel") else None,
            value=t["value"],
            baseline=t["baseline"],
            amber_threshold=t["amber_threshold"],
        )
    Measurement.objects.bulk_create(
        Measurement(
            metric=metrics[r["metric"]],
            period_start=date.fromisoformat(r["period_start"]),
            department=depts.get(r["department"]),
            channel=chans.get(r["channel"]),
            dept_key=depts[r["department"]].pk if r["department"] else 0,
            chan_key=chans[r["channel"]].pk if r["channel"] else 0,
            source=r["source"],
            value=r["value"],
            sample_size=r["sample_size"] if r["sample_size"] is not None else 1,
            recorded_at=datetime.fromisoformat(r["recorded_at"].replace("Z", "+00:00")),
        )
        for r in data["measurements"]
    )
    # Besides the system metrics every installation has (the feedback KPIs).
    assert Metric.objects.exclude(code__in=ingest.reserved_metric_codes()).count() == len(data["metrics"])
