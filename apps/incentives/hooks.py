"""Where incentives plug in: the roll-up announces what it recomputed and the payouts job
follows on commit (metrics never imports incentives); the navigation; each person's
scorecards on "my work"; the executives' digest of plans awaiting approval."""

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import roles
from apps.core.registry import DEPARTMENT_PAGE, MY_WORK, NavEntry, registry
from apps.metrics.signals import rollup_finished

from .models import IncentivePlan, Participant


@receiver(rollup_finished, dispatch_uid="incentives.payouts_after_rollup")
def queue_payouts(sender, metric_ids, periods, **kwargs):
    # Plans run over quarters and years: only those periods can hold a plan.
    labels = sorted(str(p) for p in periods if p.kind in ("quarter", "year"))
    if not labels:
        return
    ids = sorted(metric_ids) if metric_ids is not None else None
    if (
        not IncentivePlan.objects.exclude(status=IncentivePlan.Status.CLOSED)
        .filter(period__in=labels)
        .exists()
    ):
        return
    from .tasks import payouts_task

    transaction.on_commit(lambda: payouts_task.delay(ids, labels))


def my_scorecards(request, user):
    rows = list(
        Participant.objects.filter(person_id=user.pk)
        .select_related("plan", "result")
        .order_by("-plan__period", "plan__name")[:20]
    )
    if not rows:
        return None
    return {"template": "incentives/_my_scorecards.html", "participations": rows}


def plans_awaiting_approval(today):
    plans = list(
        IncentivePlan.objects.filter(status=IncentivePlan.Status.DRAFT, submitted_at__isnull=False).order_by(
            "pk"
        )
    )
    if not plans:
        return {}
    from apps.organization.models import User

    result = {}
    for user in User.objects.filter(is_active=True, role_grants__role=roles.EXECUTIVE).distinct():
        items = [
            (
                _("Bonus plan “%(name)s” (%(period)s) awaits approval")
                % {"name": p.name, "period": p.period},
                reverse("incentives:plan-detail", args=[p.pk]),
            )
            for p in plans
            if user.pk not in (p.editor_ids or [])
        ]
        if items:
            result[user.pk] = items
    return result


def department_plans(request, department):
    """Bonus plans with a department-scoped component that someone in this department
    takes part in — definitions only (no figures), and only plans the viewer may see."""
    from . import permissions

    plans = list(
        permissions.plans_visible_to(request.user)
        .filter(components__scope="department", participants__department=department)
        .distinct()
        .order_by("-period", "name")[:10]
    )
    if not plans:
        return None
    return {"template": "incentives/_department_plans.html", "bonus_plans": plans}


def search_plans(user, query):
    from . import permissions

    hits = [
        (f"{p.name} ({p.period})", reverse("incentives:plan-detail", args=[p.pk]))
        for p in permissions.plans_visible_to(user).filter(name__icontains=query).order_by("-period")[:10]
    ]
    return (_("Bonus plans"), hits)


def _everyone(user) -> bool:
    return not roles.is_system_account(user)


registry.add_nav(NavEntry(gettext_lazy("Bonus plans"), "incentives:plan-list", visible=_everyone, order=65))
registry.add_section(MY_WORK, my_scorecards, order=50)
registry.add_section(DEPARTMENT_PAGE, department_plans, order=60)
registry.add_digest(plans_awaiting_approval)
registry.add_search(search_plans, order=60)
