"""Where plans show up elsewhere: the executive overview, the metric detail page, the
department page, and the daily reminder digest. Those pages know nothing of plans:
`ActionsConfig.ready()` adds these to `apps.core.registry`."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors
from .models import ActionPlan


def overview_plans_at_risk(request, period, scope):
    plans = list(selectors.at_risk_plans())
    if not plans and not ActionPlan.objects.exists():
        return None  # a new installation: no empty table under the guided start
    return {"template": "actions/_plans_at_risk.html", "plans": plans}


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
                _("Milestone “%(title)s” (%(plan)s), due %(due)s")
                % {"title": m.title, "plan": m.plan.title, "due": f"{m.due:%Y-%m-%d}"},
                reverse("actions:plan-detail", args=[m.plan_id]),
            )
            for m in milestones
        ]
        for owner_id, milestones in selectors.overdue_milestones_by_owner(today).items()
    }


def my_plans(request, user):
    plans = list(selectors.my_plans(user)[:50])
    milestones = list(selectors.my_milestones(user)[:50])
    if not plans and not milestones:
        return None
    return {"template": "actions/_my_plans.html", "plans": plans, "milestones": milestones}


def search_plans(user, query):
    plans = ActionPlan.objects.filter(title__icontains=query).only("pk", "title").order_by("title")[:10]
    return (_("Action plans"), [(p.title, reverse("actions:plan-detail", args=[p.pk])) for p in plans])
