"""A small hierarchy whose measurements follow known impacts: CSAT driven by AHT and FCR
in two departments over twelve closed months, plus a quarterly child (not monthly)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import pytest

from apps.metrics import ingest, rollup, services
from apps.metrics.evidence import arithmetic
from apps.organization.models import Department

TODAY = date(2026, 1, 15)  # closed months: 2025-01 … 2025-12
MONTHS = [date(2025, m, 1) for m in range(1, 13)]
# The stated impacts; CSAT follows AHT's (supported) and, for FCR, 0.05 where 0.02 is stated.
AHT_IMPACT, FCR_IMPACT, FCR_TRUE = -0.002, 0.02, 0.05


@dataclass
class Built:
    csat: object
    aht: object
    fcr: object
    nps: object
    links: dict
    values: dict  # {code: {(dept code, month): value}}


def _metric(p, code, aggregation="mean", frequency="monthly", level="operational"):
    return services.metric_create(
        by=p.alice,
        code=code,
        name=code,
        level=level,
        direction="higher_is_better",
        aggregation=aggregation,
        frequency=frequency,
    )


@pytest.fixture
def evidence_world(p, django_capture_on_commit_callbacks):
    csat = _metric(p, "CSAT", level="experience")
    aht = _metric(p, "AHT")
    fcr = _metric(p, "FCR")
    nps = _metric(p, "NPSQ", frequency="quarterly")
    links = {
        "AHT": services.link_create(by=p.alice, child=aht, parent=csat, weight=1, impact=AHT_IMPACT),
        "FCR": services.link_create(by=p.alice, child=fcr, parent=csat, weight=1, impact=FCR_IMPACT),
        "NPSQ": services.link_create(by=p.alice, child=nps, parent=csat, weight=1, impact=0.1),
    }
    rng = random.Random(23)
    values: dict = {"CSAT": {}, "AHT": {}, "FCR": {}}
    rows = []
    for dept, base in (("SERVICE", 4.0), ("WEBSITE", 4.4)):
        for i, month in enumerate(MONTHS):
            a = 300 + 40 * rng.uniform(-1, 1) + 3 * i
            f = 75 + 5 * rng.uniform(-1, 1)
            c = base + AHT_IMPACT * (a - 300) + FCR_TRUE * (f - 75) + rng.gauss(0, 0.01)
            for code, value in (("AHT", a), ("FCR", f), ("CSAT", c)):
                values[code][(dept, month)] = value
                rows.append(
                    {
                        "metric": code,
                        "period_start": month.isoformat(),
                        "department": dept,
                        "source": "s",
                        "value": value,
                        "sample_size": 10,
                    }
                )
    for month in (date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)):
        rows.append(
            {
                "metric": "NPSQ",
                "period_start": month.isoformat(),
                "source": "s",
                "value": 30.0,
                "sample_size": 100,
            }
        )
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert result.ok, result.errors[:3]
    with django_capture_on_commit_callbacks(execute=True):
        rollup.rollup_full(today=TODAY)
    return Built(csat, aht, fcr, nps, links, values)


def pure_evidence(world):
    """The pure function on the same plain monthly actuals: the departments' own values
    (one row per department and month) and the organisation's (the equal-weight mean)."""
    depts = {d.code: d.pk for d in Department.objects.all()}
    actuals = {}
    for code, cells in world.values.items():
        series = {(depts[d], m): v for (d, m), v in cells.items()}
        for month in {m for _d, m in cells}:
            series[(arithmetic.ORG, month)] = (cells[("SERVICE", month)] + cells[("WEBSITE", month)]) / 2
        actuals[code] = series
    return arithmetic.driver_evidence(
        arithmetic.Node("CSAT", "mean", "monthly"),
        [
            arithmetic.Child("AHT", "mean", "monthly", AHT_IMPACT),
            arithmetic.Child("FCR", "mean", "monthly", FCR_IMPACT),
            arithmetic.Child("NPSQ", "mean", "quarterly", 0.1),
        ],
        actuals,
        TODAY,
    )
