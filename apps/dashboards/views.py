from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.core import roles
from apps.core.permissions import require
from apps.core.registry import MY_WORK, registry
from apps.core.tables import Column, Table, csv_download, plain
from apps.help.guide import setting_up
from apps.metrics.scopes import period_scope

from . import permissions, selectors
from . import scoreboard as scoreboard_module


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


def _list_url(name: str, row: dict, **params) -> str:
    """The list a scoreboard number counts, filtered to the row's department (and its
    sub-departments on a parent row, whose numbers are its subtree's)."""
    query = {"department": row["code"], **params}
    if row["has_children"]:
        query["subtree"] = "1"
    return reverse(name) + "?" + urlencode(query)


def _scoreboard_columns(board: scoreboard_module.Scoreboard) -> list[Column]:
    period = str(board.period)
    metric_list = "metrics:metric-list"
    plan_list = "actions:plan-list"
    decisions = "committees:decision-list"
    inbox = "feedback:inbox"
    count = "dashboards/_count_cell.html"
    status_labels = {
        "red": _("Off target"),
        "amber": _("At risk"),
        "green": _("On target"),
        "grey": _("No data"),
    }
    columns = [
        Column(
            "name",
            _("Department"),
            sort="name",
            template="dashboards/_department_cell.html",
            link=lambda r: reverse("organization:department-detail", args=[r["department"].pk]),
        ),
        *[
            Column(
                status,
                label,
                sort=status,
                numeric=True,
                template="dashboards/_status_cell.html",
                link=lambda r, s=status: _list_url(metric_list, r, status=s, period=period),
            )
            for status, label in status_labels.items()
        ],
        Column(
            "value_at_stake",
            _("Value at stake owned"),
            sort="value_at_stake",
            numeric=True,
            template="dashboards/_money_cell.html",
            value=lambda r: plain(r["value_at_stake"], 0),
            link=lambda r: _list_url(metric_list, r, leaf="1"),
        ),
        Column(
            "trend",
            _("Value at stake, 12 months"),
            template="dashboards/_sparkline_cell.html",
            value=lambda r: "; ".join("" if v is None else str(plain(v, 0)) for v in r["trend"]),
        ),
        Column(
            "value_at_stake_change",
            _("Change in value at stake"),
            sort="value_at_stake_change",
            numeric=True,
            value=lambda r: plain(r["value_at_stake_change"], 0),
            template="dashboards/_change_cell.html",
        ),
        Column(
            "red_change",
            _("Change in off target"),
            sort="red_change",
            numeric=True,
            template="dashboards/_change_cell.html",
        ),
        Column(
            "plans_active",
            _("Active plans"),
            sort="plans_active",
            numeric=True,
            template=count,
            link=lambda r: _list_url(plan_list, r, status="active"),
        ),
        Column(
            "plans_at_risk",
            _("Plans at risk"),
            sort="plans_at_risk",
            numeric=True,
            template=count,
            link=lambda r: _list_url(plan_list, r, status="at_risk"),
        ),
        Column(
            "plans_blocked",
            _("Blocked plans"),
            sort="plans_blocked",
            numeric=True,
            template=count,
            link=lambda r: _list_url(plan_list, r, status="blocked"),
        ),
        Column(
            "plans_overdue",
            _("Overdue plans"),
            sort="plans_overdue",
            numeric=True,
            template=count,
            link=lambda r: _list_url(plan_list, r, overdue="1"),
        ),
        Column(
            "plans_progress",
            _("Average progress %"),
            sort="plans_progress",
            numeric=True,
            value=lambda r: plain(r["plans_progress"], 0),
            link=lambda r: _list_url(plan_list, r),
        ),
        Column(
            "milestones_overdue",
            _("Overdue milestones"),
            sort="milestones_overdue",
            numeric=True,
            template=count,
            link=lambda r: _list_url(plan_list, r, milestones_overdue="1"),
        ),
        Column(
            "decisions_open",
            _("Open decisions"),
            sort="decisions_open",
            numeric=True,
            template=count,
            link=lambda r: _list_url(decisions, r, status="open"),
        ),
        Column(
            "decisions_overdue",
            _("Overdue decisions"),
            sort="decisions_overdue",
            numeric=True,
            template=count,
            link=lambda r: _list_url(decisions, r, overdue="1"),
        ),
        Column(
            "feedback_to_ack",
            _("Feedback to acknowledge"),
            sort="feedback_to_ack",
            numeric=True,
            template=count,
            link=lambda r: _list_url(inbox, r, ack="pending"),
        ),
        Column(
            "feedback_ack_overdue",
            _("Overdue acknowledgements"),
            sort="feedback_ack_overdue",
            numeric=True,
            template=count,
            link=lambda r: _list_url(inbox, r, ack="overdue"),
        ),
        Column(
            "median_ack_hours",
            _("Median hours to acknowledge"),
            sort="median_ack_hours",
            numeric=True,
            value=lambda r: plain(r["median_ack_hours"], 1),
        ),
    ]
    if board.show_bonus:
        plan = board.bonus_plans[0] if len(board.bonus_plans) == 1 else None
        columns.append(
            Column(
                "bonus_attainment",
                _("Average CX bonus attainment %"),
                sort="bonus_attainment",
                numeric=True,
                value=lambda r: plain(r["bonus_attainment"], 0),
                link=(lambda r: reverse("incentives:plan-detail", args=[plan.pk])) if plan else None,
            )
        )
    return columns


@require_safe
def department_progress(request):
    """The departments scoreboard (issue 24): who carries the programme, who holds it back."""
    require(permissions.can_read_dashboards(request.user))
    ps = period_scope(request)
    parent = (request.GET.get("parent") or "").strip() or None
    board = scoreboard_module.scoreboard(request.user, ps.period, parent=parent)
    table = Table(
        request,
        board.rows,
        _scoreboard_columns(board),
        per_page=1000,
        export_name=f"department-progress-{ps.period}",
        row_class=lambda r: "parent-row" if r["has_children"] else "",
        export_period=str(ps.period),
        export_scope="org",
    )
    if table.wants_csv() and request.GET.get("trend") == "1":
        return csv_download(
            f"department-value-at-stake-{ps.period}",
            ["period", "scope", _("Department"), _("Code"), *[str(m) for m in board.trend_months]],
            (
                [str(ps.period), "org", r["name"], r["code"], *[plain(v, 0) for v in r["trend"]]]
                for r in board.rows
            ),
        )
    if table.wants_csv():
        return table.csv_response()
    return render(
        request,
        "dashboards/department_progress.html",
        {
            "ps": ps,
            "board": board,
            "parent": parent,
            "parents": board.parent_options,
            "sorted": table.sort_key is not None,
            **table.context(),
        },
    )
