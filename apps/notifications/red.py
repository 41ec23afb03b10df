"""Red-metric notices, batched: one notification per recipient per roll-up, listing every
metric and department that turned red in it (DESIGN §5 breaches), in the recipient's
language, naming the department and the period.

Listeners of `metric_turned_red` (the metric owner here, committee chairs in committees)
`collect` what each recipient must hear; the batch is written when the roll-up announces
`rollup_finished` (still inside its transaction; the store's one caller always sends it).
One thread runs one roll-up at a time, so the batch is per thread; every
snapshot of one roll-up carries the same `computed_at`, so a batch left by a roll-up that
rolled back (another stamp) is dropped, never told."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.metrics.signals import rollup_finished
from apps.organization.models import Department

from .services import notify


@dataclass(frozen=True)
class Red:
    metric: object  # Metric
    period: object  # engine Period
    scope_kind: str  # "org" | "dept"
    scope_id: int
    actual: float | None
    target: float | None
    computed_at: object  # datetime: the roll-up's stamp


@dataclass
class _Notice:
    recipient: object
    kind: str
    about: Callable[[], str] | None  # e.g. "overseen by <committee>", in the recipient's language
    about_key: str
    reds: list[Red] = field(default_factory=list)


_batch = threading.local()


def _pending() -> dict:
    if not hasattr(_batch, "notices"):
        _batch.notices = {}
    return _batch.notices


def red_of(metric, period, scope_kind, scope_id, snapshot) -> Red:
    return Red(
        metric=metric,
        period=period,
        scope_kind=scope_kind,
        scope_id=scope_id,
        actual=snapshot.actual,
        target=snapshot.target,
        computed_at=snapshot.computed_at,
    )


def collect(*, recipient, kind: str, red: Red, about: Callable[[], str] | None = None, about_key: str = ""):
    if recipient is None:
        return
    pending = _pending()
    if getattr(_batch, "stamp", None) != red.computed_at:
        pending.clear()  # left by a roll-up that did not finish
        _batch.stamp = red.computed_at
    notice = pending.setdefault(
        (recipient.pk, kind, about_key),
        _Notice(recipient=recipient, kind=kind, about=about, about_key=about_key),
    )
    notice.reds.append(red)


@receiver(rollup_finished, dispatch_uid="notifications.red.flush")
def flush(**kwargs) -> int:
    """Write the batch: one notification per (recipient, kind, about). Returns how many."""
    notices = list(_pending().values())
    _pending().clear()
    if not notices:
        return 0
    dept_ids = {r.scope_id for n in notices for r in n.reds if r.scope_kind == "dept"}
    departments = Department.objects.in_bulk(list(dept_ids))
    written = 0
    for notice in notices:
        reds = sorted(
            notice.reds, key=lambda r: (r.metric.code, str(r.period), r.scope_kind != "org", r.scope_id)
        )
        written += (
            notify(
                recipient=notice.recipient,
                kind=notice.kind,
                subject=lambda n=notice, reds=reds: _subject(n, reds, departments),
                body=lambda reds=reds: "\n".join(_line(r, departments) for r in reds),
                url=reverse("metrics:metric-detail", args=[reds[0].metric.code]),
                dedupe_key=_dedupe_key(notice, reds),
            )
            is not None
        )
    return written


def _where(red: Red, departments) -> str:
    if red.scope_kind == "org":
        return _("the organisation")
    department = departments.get(red.scope_id)
    return department.name if department is not None else _("a department")


def _subject(notice: _Notice, reds: list[Red], departments) -> str:
    by_metric: dict[str, list[str]] = {}
    for red in reds:
        by_metric.setdefault(red.metric.code, []).append(_where(red, departments))
    periods = sorted({str(r.period) for r in reds})
    parts = "; ".join(
        _("%(code)s in %(where)s") % {"code": code, "where": ", ".join(wheres)}
        for code, wheres in by_metric.items()
    )
    text = ngettext(
        "%(n)s metric turned red for %(period)s: %(parts)s",
        "%(n)s metrics turned red for %(period)s: %(parts)s",
        len(by_metric),
    ) % {"n": len(by_metric), "period": ", ".join(periods), "parts": parts}
    return f"{text} ({notice.about()})" if notice.about is not None else text


def _line(red: Red, departments) -> str:
    where = _where(red, departments)
    if red.actual is not None and red.target is not None:
        return _(
            "%(name)s (%(code)s) is off target in %(where)s for %(period)s: "
            "%(actual).4g against %(target).4g."
        ) % {
            "name": red.metric.name,
            "code": red.metric.code,
            "where": where,
            "period": red.period,
            "actual": red.actual,
            "target": red.target,
        }
    return _("%(name)s (%(code)s) is off target in %(where)s for %(period)s.") % {
        "name": red.metric.name,
        "code": red.metric.code,
        "where": where,
        "period": red.period,
    }


def _dedupe_key(notice: _Notice, reds: list[Red]) -> str:
    """The same reds told twice (a roll-up re-run the same day) are one notification."""
    cells = "|".join(
        f"{r.metric.pk}:{r.period}:{r.scope_kind}:{r.scope_id}:{r.computed_at.date()}" for r in reds
    )
    digest = hashlib.sha256(cells.encode()).hexdigest()[:32]
    return f"red:{notice.kind}:{notice.recipient.pk}:{notice.about_key}:{digest}"
