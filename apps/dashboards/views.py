from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.help.guide import setting_up
from apps.metrics.scopes import period_scope

from . import selectors


@require_safe
def overview(request):
    """The executive overview (everyone's home page): money at stake first."""
    ps = period_scope(request)
    if setting_up():  # the guided start instead of empty tables
        return render(request, "dashboards/overview.html", {"ps": ps, "setting_up": True})
    data = selectors.overview(ps.period, ps.scope)
    chart = {
        "labels": [str(p) for p, _v in data["trend"]],
        "cost": [v for _p, v in data["trend"]],
    }
    return render(
        request,
        "dashboards/overview.html",
        {
            "ps": ps,
            **data,
            "chart": chart,
            "sections": selectors.overview_sections(request, ps.period, ps.scope),
        },
    )
