"""The period and scope switch every report page shares (`?period=2025-03&scope=dept:CS`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone


@dataclass
class PeriodScope:
    period: object  # engine Period
    scope: object  # metrics.selectors.ScopeRef
    params: QueryDict

    def url(self, **changes) -> str:
        params = self.params.copy()
        params.pop("page", None)
        for key, value in changes.items():
            params[key] = value
        return "?" + params.urlencode()

    @property
    def prev_url(self) -> str:
        return self.url(period=str(self.period.previous()))

    @property
    def next_url(self) -> str | None:
        nxt = self.period.next()
        return None if nxt.start > timezone.localdate() else self.url(period=str(nxt))

    @property
    def kind_urls(self) -> list[tuple[str, str, bool]]:
        from django.utils.translation import gettext as _

        from apps.metrics.engine.periods import Period

        labels = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
        anchor = min(self.period.end, timezone.localdate())
        return [
            (labels[kind], self.url(period=str(Period.containing(kind, anchor))), kind == self.period.kind)
            for kind in ("month", "quarter", "year")
        ]

    def scope_options(self) -> list[tuple[str, str]]:
        from django.utils.translation import gettext as _

        from apps.organization.models import Channel, Department

        options = [("org", _("Whole organisation"))]
        options += [(f"dept:{c}", n) for c, n in Department.objects.active().values_list("code", "name")]
        options += [
            (f"channel:{c}", f"{_('Channel')}: {n}")
            for c, n in Channel.objects.active().values_list("code", "name")
        ]
        return options


def period_scope(request, *, default_kind: str = "month") -> PeriodScope:
    """Read ?period= and ?scope=; a bad value falls back to the default with no error page."""
    from apps.metrics.engine.periods import Period
    from apps.metrics.selectors import ORG_SCOPE, parse_period, parse_scope

    try:
        period = parse_period(request.GET.get("period")) if request.GET.get("period") else None
    except ValidationError:
        period = None
    if period is None:
        period = Period.containing(default_kind, timezone.localdate())
    try:
        scope = parse_scope(request.GET.get("scope"))
    except ValidationError:
        scope = ORG_SCOPE
    return PeriodScope(period=period, scope=scope, params=request.GET)
