"""Where plans show up elsewhere: the executive overview, the metric detail page, the
department page, and the daily reminder digest. Those pages know nothing of plans:
`ActionsConfig.ready()` adds these to `apps.core.registry`."""

from django.urls import reverse

from . import selectors


def overview_plans_at_risk(request, period, scope):
    return {"template": "actions/_plans_at_risk.html", "plans": list(selectors.at_risk_plans())}


def metric_plans(request, metric):
    return {"template": "actions/_metric_plans.html", "plans": list(selectors.plans_for_metric(metric))}


def department_work(request, department):
    # The department's metrics are the metrics app's own section (metrics.hooks).
    return {
        "template": "actions/_department_work.html",
        "plans": list(selectors.department_plans(department)),
        "milestones": list(selectors.department_milestones(department)[:50]),
    }


def overdue_milestones(today):
    return {
        owner_id: [
            (
                f"{m.title} ({m.plan.title}), due {m.due:%Y-%m-%d}",
                reverse("actions:plan-detail", args=[m.plan_id]),
            )
            for m in milestones
        ]
        for owner_id, milestones in selectors.overdue_milestones_by_owner(today).items()
    }
