from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from apps.core import roles
from apps.core.registry import MY_WORK, registry
from apps.help.guide import setting_up
from apps.metrics.scopes import period_scope

from . import selectors


@require_safe
def overview(request):
    """The executive overview (everyone's home page): money at stake first."""
    ps = period_scope(request)
    if setting_up() and not selectors.has_figures():  # the guided start instead of empty tables
        sections = selectors.overview_sections(request, ps.period, ps.scope)
        return render(
            request, "dashboards/overview.html", {"ps": ps, "setting_up": True, "sections": sections}
        )
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


@require_safe
def landing(request):
    """Where signing in leads (LOGIN_REDIRECT_URL): heads and contributors to their work,
    the CX leader and executives to the overview (DESIGN §7)."""
    user = request.user
    if not (roles.is_cx_leader(user) or roles.is_executive(user)) and (
        roles.headed_department_ids(user) or roles.is_contributor(user)
    ):
        return redirect("my-work")
    return redirect("home")


@require_safe
def my_work(request):
    """Each person's plans, milestones and decisions due, feedback to acknowledge and
    scorecards: what the apps add to MY_WORK, each only when it has something."""
    sections = registry.sections(MY_WORK, request, request.user)
    return render(request, "dashboards/my_work.html", {"sections": sections})


SEARCH_MAX_LENGTH = 100


@require_safe
def search(request):
    """One box over metrics, plans, committees, departments and people (and whatever else
    the apps add to the registry), each result only if the reader may open it."""
    query = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    groups = registry.search(request.user, query) if query else []
    return render(
        request,
        "dashboards/search.html",
        {"q": query, "groups": groups, "hits": sum(len(hits) for _label, hits in groups)},
    )
