"""Demo metric hierarchy, targets and three years of measurements (DESIGN §9).

The story, from the sources' world: the contact centre brought handle time down and the
website's self-service keeps improving, but a hiring freeze pushed waiting times up,
first-contact resolution slipped from its peak, and last month a web release broke the
checkout. Satisfaction, effort and NPS are at risk, retention is falling and churned
revenue rising: the executive overview shows the cost of not improving.

Idempotent: metrics, links and targets are compared with the wanted state and changed
only through the services (one history entry per real change); measurements of the demo
sources are upserted by comparison; snapshots come from a full roll-up. Values are
deterministic: the trend depends on how many months ago a period is, the noise on a
generator seeded from SEED, metric, period, department, channel and source.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

from apps.organization.models import Channel, Department, User

from . import services
from .evidence.services import compute as evidence_compute
from .ingest import measurements_ingest
from .models import Measurement, Metric, MetricLink, RollupSnapshot, Target
from .rollup import rollup_full

SEED = 2026
MONTHS = 36
LEADER = "cx.leader@demo.cx"

# Each source records at its own hour, so "latest recorded_at wins" is stable:
# the CRM's post-call survey overrides the survey tool where both measured a cell.
SOURCE_HOURS = {"contact_centre": 1, "web_analytics": 2, "survey_tool": 3, "crm": 4, "finance_erp": 5}
SOURCES = tuple(SOURCE_HOURS)

OPERATIONAL = Metric.Level.OPERATIONAL
EXPERIENCE = Metric.Level.EXPERIENCE
FINANCIAL = Metric.Level.FINANCIAL
HIGHER = Metric.Direction.HIGHER
LOWER = Metric.Direction.LOWER


@dataclass(frozen=True)
class MetricSpec:
    code: str
    name: str
    description: str
    level: str
    unit: str
    direction: str
    aggregation: str
    frequency: str
    owner: str
    owner_department: str
    is_monetary: bool = False


def _metric_specs() -> list[MetricSpec]:
    money = settings.PORTAL_CURRENCY
    return [
        MetricSpec(
            "AHT",
            "Average handle time",
            "Talk, hold and wrap-up time per contact handled by an agent.",
            OPERATIONAL,
            "s",
            LOWER,
            "mean",
            "monthly",
            "head.service@demo.cx",
            "CONTACT",
        ),
        MetricSpec(
            "FCR",
            "First-contact resolution",
            "Share of contacts resolved without the customer having to come back.",
            OPERATIONAL,
            "%",
            HIGHER,
            "mean",
            "monthly",
            "head.service@demo.cx",
            "SERVICE",
        ),
        MetricSpec(
            "WAIT",
            "Wait time",
            "Average time a customer waits in the queue before an agent answers.",
            OPERATIONAL,
            "s",
            LOWER,
            "mean",
            "monthly",
            "head.service@demo.cx",
            "CONTACT",
        ),
        MetricSpec(
            "CHECKOUT_ERR",
            "Web checkout errors",
            "Checkout attempts on the web and the app that ended in an error.",
            OPERATIONAL,
            "errors",
            LOWER,
            "sum",
            "monthly",
            "head.website@demo.cx",
            "WEBSITE",
        ),
        MetricSpec(
            "SELF_SERVICE",
            "Self-service success",
            "Share of web and app self-service journeys completed without contacting us.",
            OPERATIONAL,
            "%",
            HIGHER,
            "mean",
            "monthly",
            "head.website@demo.cx",
            "WEBSITE",
        ),
        MetricSpec(
            "CSAT",
            "Customer satisfaction",
            "Average post-interaction satisfaction rating (1 to 5).",
            EXPERIENCE,
            "score 1-5",
            HIGHER,
            "mean",
            "monthly",
            LEADER,
            "CX",
        ),
        MetricSpec(
            "NPS",
            "Net Promoter Score",
            "Quarterly relationship survey: promoters minus detractors (-100 to 100).",
            EXPERIENCE,
            "points",
            HIGHER,
            "mean",
            "quarterly",
            LEADER,
            "CX",
        ),
        MetricSpec(
            "CES",
            "Customer effort score",
            "How hard it was to get things done (1 = very easy, 7 = very hard).",
            EXPERIENCE,
            "score 1-7",
            LOWER,
            "mean",
            "monthly",
            "head.product@demo.cx",
            "PRODUCT",
        ),
        MetricSpec(
            "RETENTION",
            "Customer retention rate",
            "Share of customers kept over the last twelve months, at the end of the month.",
            FINANCIAL,
            "%",
            HIGHER,
            "mean",
            "monthly",
            "head.marketing@demo.cx",
            "MARKETING",
        ),
        MetricSpec(
            "CHURNED_REV",
            "Churned revenue",
            "Recurring revenue lost in the month from customers who left.",
            FINANCIAL,
            money,
            LOWER,
            "sum",
            "monthly",
            "executive@demo.cx",
            "FINANCE",
            is_monetary=True,
        ),
        MetricSpec(
            "REVENUE",
            "Revenue",
            "Revenue booked in the month.",
            FINANCIAL,
            money,
            HIGHER,
            "sum",
            "monthly",
            "executive@demo.cx",
            "FINANCE",
            is_monetary=True,
        ),
    ]


# (child, parent, weight, impact): impact = change of the parent in its units per +1 unit
# of the child (per month when the parent is a sum).
LINKS = [
    ("AHT", "CSAT", 1.0, -0.002),  # a minute longer: -0.12 satisfaction
    ("FCR", "CSAT", 2.0, 0.02),  # ten points more resolved first time: +0.2
    ("WAIT", "CSAT", 1.5, -0.003),  # a minute more in the queue: -0.18
    ("FCR", "NPS", 1.0, 0.5),
    ("CHECKOUT_ERR", "CES", 1.0, 0.0005),  # a thousand errors: +0.5 effort
    ("SELF_SERVICE", "CES", 1.0, -0.02),
    ("CHECKOUT_ERR", "REVENUE", 1.0, -100.0),  # an abandoned order
    ("CSAT", "RETENTION", 2.0, 2.0),
    ("NPS", "RETENTION", 1.0, 0.05),
    ("CES", "RETENTION", 1.0, -1.0),
    # One point of retention keeps ~1,400 of 140,000 customers: ~120,000 a month of revenue
    # booked, ~40,000 a month less churned (the churned-revenue series follows it).
    ("RETENTION", "REVENUE", 2.0, 120_000.0),
    ("RETENTION", "CHURNED_REV", 1.0, -40_000.0),  # more retained, less churned
]

# The demo's experience and financial series follow the links above (DESIGN §4 item 13
# reads them back): each parent is its level with every driver on target, plus Σ impact ×
# (driver − driver's target), plus noise. Driver targets: the organisation targets below.
DRIVEN_BASE = {
    "CSAT": 4.3,
    "CES": 2.5,
    "NPS": 34.0,
    "RETENTION": 87.5,
    "CHURNED_REV": 450_000.0,
    "REVENUE": 12_300_000.0,
}
DRIVER_REFERENCE = {
    "AHT": 300.0,
    "FCR": 78.0,
    "WAIT": 60.0,
    "CHECKOUT_ERR": 400.0,
    "SELF_SERVICE": 70.0,
    "CSAT": 4.3,
    "NPS": 35.0,
    "CES": 2.5,
    "RETENTION": 90.0,
}


# Where the organisation's own data disagree with a stated impact: the story the CX leader
# brings to the steering committee. Self-service success was assumed to cut effort by 0.02
# per point; the months show about a third of that, so the driver evidence contradicts the
# link (every other monthly link comes out supported).
DATA_IMPACT = {("SELF_SERVICE", "CES"): -0.007}


def _driven(code: str, drivers: dict[str, float]) -> float:
    """A parent's level from its drivers' organisation values through the impacts the
    data follow: the stated ones, except DATA_IMPACT."""
    value = DRIVEN_BASE[code]
    for child, parent, _weight, impact in LINKS:
        if parent == code and child in drivers:
            impact = DATA_IMPACT.get((child, parent), impact)
            value += impact * (drivers[child] - DRIVER_REFERENCE[child])
    return value


def _self_service(age: int) -> float:
    """Self-service success: its trend plus a month's own swing (releases, campaigns), so
    its effect on effort can be told apart from the checkout errors' and from time."""
    return _trend("SELF_SERVICE", age) + _rng("SELF_SERVICE-LEVEL", age).uniform(-5.0, 5.0)


def _operational_levels(age: int, season: float) -> dict[str, float]:
    """The organisation's operational KPIs in a month, as the cells below are generated
    around them (before their noise)."""
    return {
        "AHT": _trend("AHT", age),
        "FCR": _trend("FCR", age),
        "WAIT": _trend("WAIT", age) * (0.6 + 0.4 * season),
        "CHECKOUT_ERR": _trend("CHECKOUT_ERR", age) * season,
        "SELF_SERVICE": _self_service(age),
    }


# (metric, department, channel, value, baseline, amber threshold)
TARGETS = [
    ("AHT", None, None, 300.0, None, 90.0),
    ("AHT", "CONTACT", None, 265.0, None, 90.0),
    ("FCR", None, None, 78.0, None, 90.0),
    ("FCR", "SERVICE", None, 85.0, None, 90.0),
    ("WAIT", None, None, 50.0, None, 90.0),
    ("WAIT", "CONTACT", None, 45.0, None, 90.0),
    ("CHECKOUT_ERR", None, None, 350.0, None, 90.0),
    ("CHECKOUT_ERR", "WEBSITE", None, 350.0, None, 90.0),
    ("SELF_SERVICE", None, None, 70.0, None, 90.0),
    ("CSAT", None, None, 4.3, 3.0, 80.0),
    ("CSAT", "WEBSITE", None, 4.4, 3.0, 80.0),
    ("CSAT", None, "PHONE", 4.2, 3.0, 80.0),
    ("NPS", None, None, 35.0, 0.0, 85.0),
    ("CES", None, None, 2.5, 4.0, 90.0),
    ("RETENTION", None, None, 90.0, 80.0, 90.0),
    ("CHURNED_REV", None, None, 450_000.0, None, 90.0),
    ("REVENUE", None, None, 12_000_000.0, None, 90.0),
]

# Contact-centre cells: (department, channel) → contacts a month, AHT factor, FCR offset
# (points), WAIT factor (None: not queued), CSAT offset, CSAT survey responses.
CONTACT_CELLS = {
    ("CONTACT", "PHONE"): (42_000, 0.95, 0.0, 1.0, -0.05, 1_800),
    ("CONTACT", "EMAIL"): (15_000, 1.05, -6.0, None, -0.10, 700),
    ("CONTACT", "SOCIAL"): (4_000, 0.80, -4.0, None, -0.15, 250),
    ("SERVICE", "IN_PERSON"): (9_000, 1.25, 8.0, 1.6, 0.25, 600),
    ("SERVICE", "PHONE"): (3_000, 1.10, 3.0, 0.7, 0.05, 150),
}
# Other CSAT cells: (department, channel) → offset, responses.
CSAT_OTHER = {
    ("WEBSITE", "WEB"): (0.05, 1_200),
    ("WEBSITE", "APP"): (0.10, 900),
    ("SALES", "IN_PERSON"): (0.20, 400),
}
# Web cells: channel → share of checkout errors, self-service offset, journeys a month.
WEB_CELLS = {"WEB": (0.6, 2.0, 80_000), "APP": (0.4, -3.0, 50_000)}
# CES by channel only (the survey does not know the department): offset, responses.
CES_CELLS = {"WEB": (0.10, 900), "APP": (-0.10, 700), "PHONE": (0.20, 1_200), "IN_PERSON": (-0.30, 400)}

# Trends: (months ago, level) points, linearly interpolated; 0 = the current month.
TREND = {
    "AHT": [(35, 372.0), (24, 340.0), (12, 306.0), (0, 286.0)],
    "FCR": [(35, 68.0), (14, 76.5), (6, 75.5), (0, 74.0)],
    "WAIT": [(35, 84.0), (20, 62.0), (9, 55.0), (4, 70.0), (0, 95.0)],
    "CHECKOUT_ERR": [(35, 900.0), (20, 610.0), (4, 380.0), (2, 395.0), (1, 700.0), (0, 720.0)],
    "SELF_SERVICE": [(35, 52.0), (12, 66.0), (0, 74.0)],
}
# Contacts and journeys through the year (index 0 = January).
SEASON = [1.10, 0.97, 0.98, 0.97, 0.99, 0.98, 0.95, 0.92, 1.00, 1.02, 1.05, 1.12]


def _trend(code: str, age: float) -> float:
    points = TREND[code]
    if age >= points[0][0]:
        return points[0][1]
    for (a0, v0), (a1, v1) in zip(points, points[1:], strict=False):
        if a1 <= age <= a0:
            return v1 + (v0 - v1) * (age - a1) / (a0 - a1)
    return points[-1][1]


def _rng(*key) -> random.Random:
    """A generator that depends only on SEED and the key (string seeds are hashed with
    SHA-512, so the same on every run and machine)."""
    return random.Random("|".join([str(SEED), *("-" if k is None else str(k) for k in key)]))


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class _Builder:
    """Collects the wanted measurement rows, keyed like the unique index."""

    def __init__(self, today: date, metrics: dict[str, Metric], depts: dict, chans: dict) -> None:
        self.today = today
        self.metrics = metrics
        self.depts = depts
        self.chans = chans
        self.tz = timezone.get_current_timezone()
        self.rows: dict[tuple, tuple] = {}

    def recorded_at(self, source: str, period_end_next: date) -> datetime:
        day = min(period_end_next, self.today)
        return timezone.make_aware(datetime.combine(day, time(SOURCE_HOURS[source])), self.tz)

    def add(self, code, start, dept, chan, source, value, sample=1.0, *, next_start=None) -> None:
        metric = self.metrics[code]
        dept_id = self.depts[dept].pk if dept else None
        chan_id = self.chans[chan].pk if chan else None
        key = (metric.pk, start, dept_id or 0, chan_id or 0, source)
        recorded = self.recorded_at(source, next_start or _add_months(start, 1))
        self.rows[key] = (float(value), float(sample), recorded, dept_id, chan_id)


def _build(builder: _Builder) -> None:
    today = builder.today
    current = date(today.year, today.month, 1)
    add = builder.add
    months = [(age, _add_months(current, -age)) for age in range(MONTHS - 1, -1, -1)]
    # NPS: quarterly relationship survey, organisation totals only; it follows the
    # quarter's first-contact resolution through its link.
    first = months[0][1]
    quarter = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    if quarter < first:
        quarter = _add_months(quarter, 3)
    nps_of: dict[date, float] = {}
    while quarter <= today:
        age = (current.year - quarter.year) * 12 + current.month - quarter.month
        ages = [a for a in (age, age - 1, age - 2) if a >= 0]
        fcr = sum(_operational_levels(a, 1.0)["FCR"] for a in ages) / len(ages)
        noise = _rng("NPS", quarter, None, None, "survey_tool")
        value = round(_driven("NPS", {"FCR": fcr}) + noise.uniform(-0.8, 0.8), 1)
        sample = round(2_400 * (1 + 0.1 * (MONTHS - 1 - age) / (MONTHS - 1)) * noise.uniform(0.95, 1.05))
        add("NPS", quarter, None, None, "survey_tool", value, sample, next_start=_add_months(quarter, 3))
        for step in range(3):
            nps_of[_add_months(quarter, step)] = value
        quarter = _add_months(quarter, 3)
    for age, start in months:
        season = SEASON[start.month - 1]
        growth = 1 + 0.12 * (MONTHS - 1 - age) / (MONTHS - 1)
        closed = age >= 1  # sums and finance figures are published when the month closes
        ops = _operational_levels(age, season)
        _contact_centre(add, start, age, season, growth)
        _web(add, start, age, season, growth, closed)
        csat = _driven("CSAT", ops) + _rng("CSAT-LEVEL", start).uniform(-0.02, 0.02)
        ces = _driven("CES", ops) + _rng("CES-LEVEL", start).uniform(-0.08, 0.08)
        # Retention follows satisfaction and effort as the organisation measures them (the
        # sample-weighted means of the cells recorded), so its links can be read back.
        csat_measured = _csat(add, start, csat, season, growth, age)
        ces_measured = _ces(add, start, ces, season, growth)
        if closed:
            nps = nps_of.get(start, DRIVER_REFERENCE["NPS"])
            retention = _driven("RETENTION", {"CSAT": csat_measured, "NPS": nps, "CES": ces_measured})
            _finance(add, start, age, growth, retention, ops["CHECKOUT_ERR"])


def _contact_centre(add, start: date, age: int, season: float, growth: float) -> None:
    base_volume = sum(cell[0] for cell in CONTACT_CELLS.values())
    aht_norm = sum(c[0] * c[1] for c in CONTACT_CELLS.values()) / base_volume
    fcr_norm = sum(c[0] * c[2] for c in CONTACT_CELLS.values()) / base_volume
    queued = {k: c for k, c in CONTACT_CELLS.items() if c[3] is not None}
    wait_norm = sum(c[0] * c[3] for c in queued.values()) / sum(c[0] for c in queued.values())
    fcr_total = fcr_samples = 0.0
    for (dept, chan), (volume, aht_f, fcr_off, wait_f, _csat, _resp) in CONTACT_CELLS.items():
        rng = _rng("CONTACT", start, dept, chan, "contact_centre")
        contacts = round(volume * season * growth * rng.uniform(0.96, 1.04))
        aht = _trend("AHT", age) * aht_f / aht_norm * rng.uniform(0.985, 1.015)
        add("AHT", start, dept, chan, "contact_centre", round(aht, 1), contacts)
        fcr = _trend("FCR", age) + fcr_off - fcr_norm + rng.uniform(-0.6, 0.6)
        fcr = round(fcr, 1)
        add("FCR", start, dept, chan, "contact_centre", fcr, contacts)
        fcr_total += fcr * contacts
        fcr_samples += contacts
        if wait_f is not None:
            # Busy months queue longer.
            wait = _trend("WAIT", age) * wait_f / wait_norm * (0.6 + 0.4 * season) * rng.uniform(0.96, 1.04)
            add("WAIT", start, dept, chan, "contact_centre", round(wait, 1), contacts)
    if age < 12:
        # The CRM posts the organisation's FCR for the last year: an explicit total
        # beside the breakdowns (DESIGN §4 item 1 — totals win, nothing counted twice).
        add("FCR", start, None, None, "crm", round(fcr_total / fcr_samples, 1), fcr_samples)


def _web(add, start: date, age: int, season: float, growth: float, closed: bool) -> None:
    app_growth = 1 + 0.6 * (MONTHS - 1 - age) / (MONTHS - 1)
    norm = sum(c[1] * c[2] for c in WEB_CELLS.values()) / sum(c[2] for c in WEB_CELLS.values())
    for chan, (share, offset, journeys) in WEB_CELLS.items():
        rng = _rng("WEB", start, "WEBSITE", chan, "web_analytics")
        if closed:
            errors = _trend("CHECKOUT_ERR", age) * share * season * rng.uniform(0.93, 1.07)
            add("CHECKOUT_ERR", start, "WEBSITE", chan, "web_analytics", round(errors))
        volume = journeys * season * growth * (app_growth if chan == "APP" else 1.0)
        success = _self_service(age) + offset - norm + rng.uniform(-0.8, 0.8)
        add(
            "SELF_SERVICE",
            start,
            "WEBSITE",
            chan,
            "web_analytics",
            round(success, 1),
            round(volume * rng.uniform(0.97, 1.03)),
        )


def _csat(add, start: date, level: float, season: float, growth: float, age: int) -> float:
    """Add the month's CSAT cells; return the organisation's actual they make."""
    cells = {key: (c[4], c[5]) for key, c in CONTACT_CELLS.items()} | CSAT_OTHER
    norm = sum(off * n for off, n in cells.values()) / sum(n for _off, n in cells.values())
    total = weight = 0.0
    for (dept, chan), (offset, responses) in cells.items():
        rng = _rng("CSAT", start, dept, chan, "survey_tool")
        value = level + offset - norm + rng.uniform(-0.04, 0.04)
        sample = round(responses * season * growth * rng.uniform(0.9, 1.1))
        add("CSAT", start, dept, chan, "survey_tool", round(value, 2), sample)
        used = (round(value, 2), sample)
        if (dept, chan) == ("CONTACT", "PHONE") and age < 6:
            # The CRM's post-call IVR survey measures the same cell and is recorded later,
            # so it wins (DESIGN §4 item 1: latest recorded_at).
            crm = _rng("CSAT", start, dept, chan, "crm")
            used = (round(value - 0.05, 2), round(sample * crm.uniform(2.3, 2.7)))
            add("CSAT", start, dept, chan, "crm", *used)
        total += used[0] * used[1]
        weight += used[1]
    return total / weight


def _ces(add, start: date, level: float, season: float, growth: float) -> float:
    """Add the month's CES cells; return the organisation's actual they make."""
    norm = sum(off * n for off, n in CES_CELLS.values()) / sum(n for _off, n in CES_CELLS.values())
    total = weight = 0.0
    for chan, (offset, responses) in CES_CELLS.items():
        rng = _rng("CES", start, None, chan, "survey_tool")
        value = round(level + offset - norm + rng.uniform(-0.03, 0.03), 2)
        sample = round(responses * season * growth * rng.uniform(0.9, 1.1))
        add("CES", start, None, chan, "survey_tool", value, sample)
        total += value * sample
        weight += sample
    return total / weight


def _finance(add, start: date, age: int, growth: float, retention: float, errors: float) -> None:
    rng = _rng("FINANCE", start, None, None, "finance_erp")
    customers = round(140_000 * growth * rng.uniform(0.995, 1.005))
    retention = round(retention + rng.uniform(-0.1, 0.1), 2)
    add("RETENTION", start, None, None, "finance_erp", retention, customers)
    # Churned revenue and revenue move with retention and checkout errors as the links say.
    churned = _driven("CHURNED_REV", {"RETENTION": retention}) * rng.uniform(0.98, 1.02)
    add("CHURNED_REV", start, None, None, "finance_erp", round(churned, 2))
    # Revenue moves with retention and checkout errors as the links say (DESIGN §4 item 13
    # reads them back), around its level, plus a little noise.
    revenue = _driven("REVENUE", {"RETENTION": retention, "CHECKOUT_ERR": errors})
    revenue *= rng.uniform(0.999, 1.001)
    add("REVENUE", start, None, None, "finance_erp", round(revenue, 2))


# -- writing --------------------------------------------------------------------------------


def _metrics(by, users: dict, depts: dict) -> dict[str, Metric]:
    result = {}
    for spec in _metric_specs():
        wanted = {
            "name": spec.name,
            "description": spec.description,
            "level": str(spec.level),
            "unit": spec.unit,
            "direction": str(spec.direction),
            "aggregation": spec.aggregation,
            "frequency": spec.frequency,
            "is_monetary": spec.is_monetary,
            "owner": users[spec.owner],
            "owner_department": depts[spec.owner_department],
        }
        metric = Metric.objects.filter(code=spec.code).first()
        if metric is None:
            metric = services.metric_create(by=by, code=spec.code, **wanted)
        else:
            if metric.archived:
                metric = services.metric_archive(metric=metric, by=by, archived=False)
            changes = {k: v for k, v in wanted.items() if _field(metric, k) != _value(v)}
            if changes:
                metric = services.metric_update(metric=metric, by=by, version=metric.version, **changes)
        result[spec.code] = metric
    return result


def _field(obj, name):
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


def _value(value):
    return value.pk if hasattr(value, "pk") else value


def _links(by, metrics: dict[str, Metric]) -> int:
    ids = {m.pk for m in metrics.values()}
    wanted = {(metrics[c].pk, metrics[p].pk): (w, i) for c, p, w, i in LINKS}
    existing = {
        (x.child_id, x.parent_id): x
        for x in MetricLink.objects.filter(child_id__in=ids, parent_id__in=ids).select_related(
            "child", "parent"
        )
    }
    # Links between demo metrics that the demo no longer wants go first, so the
    # wanted ones never meet a cycle of stale ones.
    for key, link in existing.items():
        if key not in wanted and not link.archived:
            services.link_archive(link=link, by=by)
    for child, parent, weight, impact in LINKS:
        key = (metrics[child].pk, metrics[parent].pk)
        link = existing.get(key)
        if link is None or link.archived:
            services.link_create(
                by=by, child=metrics[child], parent=metrics[parent], weight=weight, impact=impact
            )
        elif link.weight != weight or link.impact != impact:
            services.link_update(link=link, by=by, version=link.version, weight=weight, impact=impact)
    return len(LINKS)


def _targets(by, metrics: dict[str, Metric], depts: dict, chans: dict, valid_from: date) -> int:
    for code, dept, chan, value, baseline, amber in TARGETS:
        metric = metrics[code]
        department = depts[dept] if dept else None
        channel = chans[chan] if chan else None
        wanted = {
            "valid_from": valid_from,
            "valid_to": None,
            "value": value,
            "baseline": baseline,
            "amber_threshold": amber,
        }
        target = (
            Target.objects.filter(
                metric=metric, department=department, channel=channel, valid_to__isnull=True
            )
            .order_by("-valid_from")
            .first()
        )
        if target is None:
            services.target_create(by=by, metric=metric, department=department, channel=channel, **wanted)
            continue
        changes = {k: v for k, v in wanted.items() if getattr(target, k) != v}
        if changes:
            services.target_update(target=target, by=by, version=target.version, **changes)
    return len(TARGETS)


def _measurements(builder: _Builder, by) -> int:
    """Write the wanted rows through `measurements_ingest` like every other writer (one
    batch per recording time, so "latest recorded_at wins" holds between the sources);
    rows that already hold the wanted values are not sent again, and demo-source rows the
    demo no longer wants are deleted."""
    metric_ids = [m.pk for m in builder.metrics.values()]
    existing = {
        (m, start, dk, ck, source): (pk, value, sample, recorded, dept, chan)
        for pk, m, start, dk, ck, source, value, sample, recorded, dept, chan in Measurement.objects.filter(
            metric_id__in=metric_ids, source__in=SOURCES
        ).values_list(
            "pk",
            "metric_id",
            "period_start",
            "dept_key",
            "chan_key",
            "source",
            "value",
            "sample_size",
            "recorded_at",
            "department_id",
            "channel_id",
        )
    }
    stale = [row[0] for key, row in existing.items() if key not in builder.rows]
    if stale:
        Measurement.objects.filter(pk__in=stale).delete()
    metric_code = {m.pk: code for code, m in builder.metrics.items()}
    dept_code = {d.pk: code for code, d in builder.depts.items()}
    chan_code = {c.pk: code for code, c in builder.chans.items()}
    batches: dict[datetime, list[dict]] = defaultdict(list)
    for key, (value, sample, recorded, dept_id, chan_id) in builder.rows.items():
        old = existing.get(key)
        if old is not None and old[1:] == (value, sample, recorded, dept_id, chan_id):
            continue
        metric_id, start, _dept_key, _chan_key, source = key
        batches[recorded].append(
            {
                "metric": metric_code[metric_id],
                "period_start": start.isoformat(),
                "department": dept_code.get(dept_id),
                "channel": chan_code.get(chan_id),
                "source": source,
                "value": value,
                "sample_size": sample,
            }
        )
    for recorded in sorted(batches):
        result = measurements_ingest(rows=batches[recorded], by=by, csv_mode=False, recorded_at=recorded)
        if not result.ok:
            raise RuntimeError(f"the demo's measurements were refused: {result.errors[:3]}")
    return len(builder.rows)


def load(stdout=None, *, today: date | None = None) -> dict:
    """Build or refresh the demo; `today` (default: the local date) ends the data."""
    today = today or timezone.localdate()
    depts = {d.code: d for d in Department.objects.all()}
    chans = {c.code: c for c in Channel.objects.all()}
    emails = {spec.owner for spec in _metric_specs()} | {LEADER}
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    missing = emails - set(users)
    if missing:
        raise RuntimeError(f"load the organisation demo first (missing {', '.join(sorted(missing))})")
    by = users[LEADER]
    metrics = _metrics(by, users, depts)
    links = _links(by, metrics)
    first_month = _add_months(date(today.year, today.month, 1), -(MONTHS - 1))
    targets = _targets(by, metrics, depts, chans, first_month)
    builder = _Builder(today, metrics, depts, chans)
    _build(builder)
    measurements = _measurements(builder, by)
    rollup_full(today=today)
    # The driver evidence follows the roll-up on commit; computed here too so the demo has
    # it whatever the transaction around the load (idempotent).
    evidence_compute(None, today=today)
    snapshots = RollupSnapshot.objects.filter(metric__in=metrics.values()).count()
    if stdout is not None:
        stdout.write(
            f"  metrics: {len(metrics)} metrics, {links} links, {targets} targets, "
            f"{measurements} measurements, {snapshots} snapshots\n"
        )
    return {"metrics": metrics}
