"""A synthetic enterprise for the benchmarks (DESIGN §10), written straight to PostgreSQL.

    scripts/with-services.sh bash -c '.venv/bin/python manage.py migrate -v0 &&
                                      .venv/bin/python bench/generate.py --size small'

(``make bench`` runs it as the first stage of ``bench/run.py``.)

Shape, per size (see ``SIZES``):

- departments: ``divisions`` top departments, each with ``depts_per_division - 1`` children;
- channels: ``channels`` of them;
- metrics: per division, two money tops (revenue: `sum`, higher is better; churned revenue:
  `sum`, lower is better), a few experience metrics (`mean`, CSAT-like) that drive both
  tops, and operational leaves (two thirds `mean`, one third `sum`) spread over the
  division's departments, each driving one or two of the division's experience metrics.
  The hierarchy stays inside a division, as business units' KPI trees do: that is what lets
  an incremental roll-up after one department's ingest touch a tenth of the metrics;
- measurements: every metric is measured every day of ``days`` (3 calendar years) for two
  (department, channel) pairs of its owner department, plus one pair of a sibling
  department for every fourth metric: ``2,000 × 2.25 × 1,096 ≈ 4.9 million`` rows at
  ``--size large``. Department × channel rows only, one source: §4 item 1 collapses to
  grouping, so one GROUPING SETS statement computes the same actuals (``bench/run.py``);
- targets: an organisation target per metric and year (half with a baseline), and a
  target for the owner department for every other metric. `sum` targets are per month.

Dimension tables (a few thousand rows) go through ``bulk_create``; measurements are
streamed with ``COPY … FROM STDIN`` from a generator, a metric at a time, in the
(metric, period_start) order of the table's indexes so index pages are filled in order.
Everything is derived from ``--seed``: two runs give the same rows.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from psycopg.copy import QueuedLibpqWriter

ROOT = Path(__file__).resolve().parents[1]
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2025, 12, 31)
#: The roll-up's "today": the last generated day, so runs are reproducible.
TODAY = LAST_DAY
SOURCE = "bench"
RECORDED_AT = "2026-01-01 00:00:00+00"

SIZES = {
    "small": {"divisions": 2, "depts_per_division": 5, "channels": 4, "metrics": 100},
    # medium: a quarter of large, for iterating on a stage without waiting 20 minutes
    "medium": {"divisions": 5, "depts_per_division": 5, "channels": 8, "metrics": 500},
    "large": {"divisions": 10, "depts_per_division": 10, "channels": 8, "metrics": 2000},
}
CHANNEL_NAMES = ["phone", "web", "app", "store", "email", "chat", "social", "partner"]


def setup_django() -> None:
    """Make ``apps`` and ``config`` importable and configure Django (idempotent)."""
    import os

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


@dataclass
class MetricPlan:
    code: str
    aggregation: str
    direction: str
    level: str
    monetary: bool
    owner: int  # department index
    base: float
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (department index, channel index)
    pk: int = 0


@dataclass
class Enterprise:
    """What was generated, with primary keys (for the bench stages that follow)."""

    size: str
    dept_ids: list[int]
    dept_codes: list[str]
    chan_ids: list[int]
    chan_codes: list[str]
    metrics: list[MetricPlan]
    rows: int = 0
    links: int = 0
    targets: int = 0
    seconds: float = 0.0

    @property
    def days(self) -> int:
        return (LAST_DAY - FIRST_DAY).days + 1


def plan(size: str, seed: int = 20260101) -> tuple[dict, list[MetricPlan], list[tuple]]:
    """The enterprise as plain values: (shape, metrics, links as (child, parent, weight, impact))."""
    shape = SIZES[size]
    rng = random.Random(seed)
    divisions = shape["divisions"]
    per_div = shape["depts_per_division"]
    n_chan = shape["channels"]
    per_division_metrics = shape["metrics"] // divisions
    n_exp = max(1, round(per_division_metrics * 0.09))
    n_ops = per_division_metrics - 2 - n_exp
    metrics: list[MetricPlan] = []
    links: list[tuple] = []
    serial = 0

    def pairs_for(owner: int, division: int) -> list[tuple[int, int]]:
        nonlocal serial
        k = serial % n_chan
        pairs = [(owner, k), (owner, (k + 1) % n_chan)]
        if serial % 4 == 0:
            sibling = division * per_div + (owner - division * per_div + 1) % per_div
            pairs.append((sibling, (k + 2) % n_chan))
        serial += 1
        return pairs

    for division in range(divisions):
        head = division * per_div
        revenue = MetricPlan(
            f"REV-{division:02d}", "sum", "higher_is_better", "financial", True, head, rng.uniform(5e4, 2e5)
        )
        churn = MetricPlan(
            f"CHURN-{division:02d}", "sum", "lower_is_better", "financial", True, head, rng.uniform(5e3, 2e4)
        )
        for top in (revenue, churn):
            top.pairs = pairs_for(head, division)
        metrics += [revenue, churn]
        experience = []
        for i in range(n_exp):
            m = MetricPlan(
                f"CX-{division:02d}-{i:03d}",
                "mean",
                "higher_is_better",
                "experience",
                False,
                head + i % per_div,
                rng.uniform(60, 90),
            )
            m.pairs = pairs_for(m.owner, division)
            experience.append(m)
            # +1 point of satisfaction: more revenue per month, less churned revenue.
            links.append((m.code, revenue.code, rng.choice([1.0, 2.0, 3.0]), rng.uniform(100, 1000)))
            links.append((m.code, churn.code, rng.choice([1.0, 2.0]), -rng.uniform(10, 100)))
        metrics += experience
        for i in range(n_ops):
            owner = head + i % per_div
            aggregation = "sum" if i % 3 == 2 else "mean"
            direction = "lower_is_better" if i % 2 else "higher_is_better"
            base = rng.uniform(10, 500) if aggregation == "sum" else rng.uniform(20, 95)
            m = MetricPlan(
                f"OP-{division:02d}-{i:04d}", aggregation, direction, "operational", False, owner, base
            )
            m.pairs = pairs_for(owner, division)
            metrics.append(m)
            sign = -1.0 if direction == "lower_is_better" else 1.0
            drives = [experience[i % n_exp]]
            if i % 3 == 0 and n_exp > 1:
                drives.append(experience[(i + 1) % n_exp])
            for parent in drives:
                links.append(
                    (m.code, parent.code, rng.choice([1.0, 1.0, 2.0]), sign * rng.uniform(0.01, 0.2))
                )
    return shape, metrics, links


def _targets(metrics: list[MetricPlan], rng: random.Random) -> list[dict]:
    """Yearly organisation targets (half with a baseline) and owner-department targets."""
    out = []
    years = [
        (date(y, 1, 1), date(y, 12, 31) if y < LAST_DAY.year else None)
        for y in range(FIRST_DAY.year, LAST_DAY.year + 1)
    ]
    for index, m in enumerate(metrics):
        better = 1.0 if m.direction == "higher_is_better" else -1.0
        if m.aggregation == "sum":
            # Stated per month: the expected monthly sum over the scope's rows.
            org_expected = m.base * len(m.pairs) * 30.4
            dept_expected = m.base * sum(1 for d, _c in m.pairs if d == m.owner) * 30.4
        else:
            org_expected = dept_expected = m.base
        for year_index, (first, last) in enumerate(years):
            stretch = 1.0 + better * rng.uniform(-0.03, 0.08)
            value = org_expected * stretch
            baseline = value * (1.0 - better * 0.15) if (index + year_index) % 2 == 0 else None
            out.append(
                {"metric": m, "first": first, "last": last, "dept": None, "value": value, "base": baseline}
            )
        if index % 2 == 0:
            value = dept_expected * (1.0 + better * rng.uniform(-0.02, 0.06))
            out.append(
                {
                    "metric": m,
                    "first": years[0][0],
                    "last": None,
                    "dept": m.owner,
                    "value": value,
                    "base": None,
                }
            )
    return out


def _day_factors(rng: random.Random, days: int) -> list[float]:
    """Seasonality, a trend and a weekly cycle: scores move between red, amber and green."""
    phase = rng.uniform(0, 2 * math.pi)
    trend = rng.uniform(-0.15, 0.15)
    return [
        1.0
        + 0.08 * math.sin(2 * math.pi * d / 365.25 + phase)
        + trend * d / days
        + (0.03 if d % 7 in (5, 6) else 0.0)
        for d in range(days)
    ]


def copy_measurements(cursor, metrics: list[MetricPlan], dept_ids, chan_ids, seed: int) -> int:
    """Stream every measurement row with one COPY; returns the row count."""
    days = (LAST_DAY - FIRST_DAY).days + 1
    day_text = [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(days)]
    rows = 0
    sql = (
        "COPY metrics_measurement (metric_id, period_start, department_id, channel_id, dept_key,"
        " chan_key, source, value, sample_size, recorded_at) FROM STDIN"
    )
    # A writer thread sends blocks while this one formats the next: the server parses and
    # indexes on one core while Python generates on the other.
    with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for m in metrics:
            rng = random.Random(f"{seed}:{m.code}")
            factors = _day_factors(rng, days)
            is_mean = m.aggregation == "mean"
            tail = f"\t{SOURCE}\t"
            for dept_index, chan_index in m.pairs:
                d_id, c_id = dept_ids[dept_index], chan_ids[chan_index]
                head = f"{m.pk}\t"
                mid = f"\t{d_id}\t{c_id}\t{d_id}\t{c_id}{tail}"
                scale = m.base * rng.uniform(0.85, 1.15)
                rnd = rng.random
                lines = []
                for d in range(days):
                    value = scale * factors[d] * (0.95 + 0.1 * rnd())
                    sample = int(20 + 380 * rnd()) if is_mean else 1
                    lines.append(f"{head}{day_text[d]}{mid}{value:.4f}\t{sample}\t{RECORDED_AT}\n")
                copy.write("".join(lines))
                rows += days
    return rows


def generate(size: str = "small", seed: int = 20260101, *, verbose: bool = True) -> Enterprise:
    """Write the enterprise into the (migrated, empty) database Django is configured for."""
    setup_django()
    from django.db import connection, transaction

    from apps.feedback import kpis
    from apps.metrics.models import Measurement, Metric, MetricLink, Target
    from apps.organization.models import Channel, Department

    started = time.perf_counter()
    shape, metrics, links = plan(size, seed)
    rng = random.Random(seed + 1)
    # The closed-loop KPIs are created by a migration in every installation (no rows here).
    if Measurement.objects.exists() or Metric.objects.exclude(code__in=kpis.CODES).exists():
        raise SystemExit("the database already holds metrics: generate into a fresh, migrated database")
    with transaction.atomic():
        per_div = shape["depts_per_division"]
        depts: list[Department] = []
        for division in range(shape["divisions"]):
            head = Department.objects.create(code=f"div-{division:02d}", name=f"Division {division:02d}")
            depts.append(head)
            children = [
                Department(
                    code=f"dept-{division:02d}-{i:02d}",
                    name=f"Department {division:02d}.{i:02d}",
                    parent=head,
                )
                for i in range(1, per_div)
            ]
            depts += Department.objects.bulk_create(children)
        channels = Channel.objects.bulk_create(
            Channel(code=code, name=code.title()) for code in CHANNEL_NAMES[: shape["channels"]]
        )
        dept_ids = [d.pk for d in depts]
        chan_ids = [c.pk for c in channels]
        created = Metric.objects.bulk_create(
            Metric(
                code=m.code,
                name=f"{m.level.title()} metric {m.code}",
                level=m.level,
                unit="EUR" if m.monetary else ("points" if m.aggregation == "mean" else "count"),
                is_monetary=m.monetary,
                direction=m.direction,
                aggregation=m.aggregation,
                frequency="daily",
                owner_department_id=dept_ids[m.owner],
            )
            for m in metrics
        )
        for m, row in zip(metrics, created, strict=True):
            m.pk = row.pk
        by_code = {m.code: m.pk for m in metrics}
        MetricLink.objects.bulk_create(
            MetricLink(child_id=by_code[c], parent_id=by_code[p], weight=w, impact=i) for c, p, w, i in links
        )
        targets = _targets(metrics, rng)
        Target.objects.bulk_create(
            (
                Target(
                    metric_id=t["metric"].pk,
                    valid_from=t["first"],
                    valid_to=t["last"],
                    department_id=None if t["dept"] is None else dept_ids[t["dept"]],
                    value=t["value"],
                    baseline=t["base"],
                )
                for t in targets
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            # The foreign keys are DEFERRABLE INITIALLY DEFERRED: left on, the commit would
            # check 3 × 5 million queued trigger events one by one (~90 s). The rows reference
            # the departments, channels and metrics created just above, in this transaction,
            # so the load skips the triggers (superuser-only; the bench's throwaway database).
            cursor.execute("SET LOCAL session_replication_role = replica")
            rows = copy_measurements(cursor.cursor, metrics, dept_ids, chan_ids, seed)
    with connection.cursor() as cursor:
        # Fresh statistics (and a visibility map) before anything is planned on the table.
        cursor.execute("VACUUM ANALYZE")
    enterprise = Enterprise(
        size=size,
        dept_ids=dept_ids,
        dept_codes=[d.code for d in depts],
        chan_ids=chan_ids,
        chan_codes=[c.code for c in channels],
        metrics=metrics,
        rows=rows,
        links=len(links),
        targets=len(targets),
        seconds=time.perf_counter() - started,
    )
    if verbose:
        print(
            f"generated {size}: {len(depts)} departments, {len(channels)} channels, {len(metrics)} metrics, "
            f"{len(links)} links, {len(targets)} targets, {rows:,} measurements "
            f"({FIRST_DAY} .. {LAST_DAY}) in {enterprise.seconds:.1f} s",
            file=sys.stderr,
        )
    return enterprise


def load(size: str, seed: int = 20260101) -> Enterprise:
    """The Enterprise of an already generated database (same plan, primary keys looked up)."""
    setup_django()
    from apps.metrics.models import Measurement, Metric, MetricLink, Target
    from apps.organization.models import Channel, Department

    shape, metrics, links = plan(size, seed)
    pk_of = dict(Metric.objects.values_list("code", "pk"))
    for m in metrics:
        m.pk = pk_of[m.code]
    per_div = shape["depts_per_division"]
    dept_codes = [
        f"div-{div:02d}" if i == 0 else f"dept-{div:02d}-{i:02d}"
        for div in range(shape["divisions"])
        for i in range(per_div)
    ]
    dept_pk = dict(Department.objects.values_list("code", "pk"))
    chan_codes = CHANNEL_NAMES[: shape["channels"]]
    chan_pk = dict(Channel.objects.values_list("code", "pk"))
    return Enterprise(
        size=size,
        dept_ids=[dept_pk[c] for c in dept_codes],
        dept_codes=dept_codes,
        chan_ids=[chan_pk[c] for c in chan_codes],
        chan_codes=list(chan_codes),
        metrics=metrics,
        rows=Measurement.objects.count(),
        links=MetricLink.objects.count(),
        targets=Target.objects.count(),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)
    generate(args.size, args.seed)


if __name__ == "__main__":
    main()
