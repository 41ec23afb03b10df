"""The one place that reads a period and a scope from text (`?period=2025-03&scope=dept:CS`).

`parse_period` / `parse_scope` raise Django's `ValidationError` for text they do not
understand: the API answers it with a 400 and a message; `period_scope` (the switch every
report page shares) falls back to the page's default and says so on the page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.organization.models import Channel, Department

from .engine.periods import Period

# Years a period may name. Pages step a year back (trend, previous period) and one period
# forward, and Python dates stop at 9999: anything further is "not understood", never a 500.
MIN_YEAR = 1000
MAX_YEAR = 9998


@dataclass(frozen=True)
class ScopeRef:
    """A scope as stored (kind, id) with its label (`org`, `dept:CS`, `channel:WEB`)."""

    kind: str
    id: int
    label: str
    name: str


ORG_SCOPE = ScopeRef("org", 0, "org", gettext_lazy("Organisation"))


def last_closed_month(today=None) -> Period:
    """The month before the one containing today: what pages open on (closed periods by
    default, DESIGN §7; the agenda does the same)."""
    return Period.containing("month", today or timezone.localdate()).previous()


def month_to_date(period: Period, today=None) -> tuple[int, int] | None:
    """(days elapsed, days in the period) when ``period`` contains today, else None: the
    "month to date (2 of 31 days)" label."""
    today = today or timezone.localdate()
    if not period.contains(today):
        return None
    return ((today - period.start).days + 1, period.days)


def parse_period(text: str | None, *, field: str = "period") -> Period:
    """`2025-03`, `2025-Q1` or `2025` (empty: this month); anything else is a ValidationError."""
    if not text:
        return Period.containing("month", timezone.localdate())
    try:
        period = Period.parse(text.strip())
    except ValueError as exc:
        raise ValidationError({field: [f"{text!r} is not a period: use 2025-03, 2025-Q1 or 2025"]}) from exc
    if not MIN_YEAR <= period.start.year <= MAX_YEAR:
        raise ValidationError({field: [f"{text!r} is out of range: years {MIN_YEAR} to {MAX_YEAR}"]})
    return period


def parse_scope(text: str | None, *, field: str = "scope") -> ScopeRef:
    if not text or text.strip() == "org":
        return ORG_SCOPE
    kind, sep, code = text.strip().partition(":")
    if not sep or kind not in ("dept", "channel") or not code:
        raise ValidationError({field: [f"{text!r} is not a scope: use org, dept:<code> or channel:<code>"]})
    model = Department if kind == "dept" else Channel
    found = model.objects.filter(code=code).values_list("pk", "name").first()
    if found is None:
        raise ValidationError({field: [f"unknown {'department' if kind == 'dept' else 'channel'} {code!r}"]})
    return ScopeRef(kind, found[0], f"{kind}:{code}", found[1])


@dataclass
class PeriodScope:
    """The period and scope a report page shows, and the links of its period switch."""

    period: Period
    scope: ScopeRef
    params: QueryDict
    # Set when ?period= was not understood (the page shows its default period instead).
    error: str | None = None

    def url(self, **changes) -> str:
        params = self.params.copy()
        params.pop("page", None)
        for key, value in changes.items():
            params[key] = value
        return "?" + params.urlencode()

    @property
    def month_to_date(self) -> str | None:
        """ "month to date (2 of 31 days)" when the period contains today (its figures are
        partial: value at stake is the money lost so far, DESIGN §4 item 9)."""
        elapsed = month_to_date(self.period)
        if elapsed is None:
            return None
        labels = {"month": _("month to date"), "quarter": _("quarter to date"), "year": _("year to date")}
        return _("%(label)s (%(days)s of %(total)s days)") % {
            "label": labels[self.period.kind],
            "days": elapsed[0],
            "total": elapsed[1],
        }

    @property
    def prev_url(self) -> str:
        return self.url(period=str(self.period.previous()))

    @property
    def next_url(self) -> str | None:
        nxt = self.period.next()
        return None if nxt.start > timezone.localdate() else self.url(period=str(nxt))

    @property
    def kind_urls(self) -> list[tuple[str, str, bool]]:
        labels = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
        anchor = min(self.period.end, timezone.localdate())
        return [
            (labels[kind], self.url(period=str(Period.containing(kind, anchor))), kind == self.period.kind)
            for kind in ("month", "quarter", "year")
        ]

    def scope_options(self) -> list[tuple[str, str]]:
        options = [("org", _("Whole organisation"))]
        options += [(f"dept:{c}", n) for c, n in Department.objects.active().values_list("code", "name")]
        options += [
            (f"channel:{c}", f"{_('Channel')}: {n}")
            for c, n in Channel.objects.active().values_list("code", "name")
        ]
        return options


def period_scope(request, *, default_kind: str = "month") -> PeriodScope:
    """Read ?period= and ?scope=; a bad value falls back to the default (a bad period says so)."""
    error = None
    period = None
    text = request.GET.get("period")
    if text:
        try:
            period = parse_period(text)
        except ValidationError:
            period = None
    if period is None:
        # Closed periods by default: the last closed month (or the quarter or year holding it).
        period = Period.containing(default_kind, last_closed_month().start)
        if text:
            error = _("Period “%(text)s” not understood: showing %(period)s.") % {
                "text": text[:40],
                "period": period,
            }
    try:
        scope = parse_scope(request.GET.get("scope"))
    except ValidationError:
        scope = ORG_SCOPE
    return PeriodScope(period=period, scope=scope, params=request.GET, error=error)
