"""Where feedback shows up elsewhere (registered in FeedbackConfig.ready() through the core
registry): the department page's "feedback to acknowledge", my work, a plan's page, the
daily digest, the search box."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import roles

from . import permissions, selectors
from .models import FeedbackItem


def department_feedback(request, department):
    return {
        "template": "feedback/_department_feedback.html",
        "department": department,
        "routings": list(selectors.to_acknowledge([department.pk], limit=25)),
        "now": timezone.now(),
    }


def my_feedback(request, user):
    headed = roles.headed_department_ids(user)
    if not headed:
        return None
    return {
        "template": "feedback/_department_feedback.html",
        "routings": list(selectors.to_acknowledge(headed, limit=25)),
        "now": timezone.now(),
    }


def unacknowledged_feedback(today):
    """Each head: the acknowledgements of their departments that are past due."""
    from .services import _heads_by_department

    overdue = selectors.overdue_by_head()
    heads = _heads_by_department(set(overdue))
    lines: dict[int, list[tuple[str, str]]] = {}
    for dept_id, routings in overdue.items():
        for head in heads.get(dept_id, []):
            for r in routings:
                lines.setdefault(head.pk, []).append(
                    (
                        _("Feedback #%(id)s for %(d)s, acknowledgement due %(due)s")
                        % {
                            "id": r.item_id,
                            "d": r.department.code,
                            "due": f"{timezone.localtime(r.due_at):%Y-%m-%d %H:%M}",
                        },
                        reverse("feedback:item-detail", args=[r.item_id]),
                    )
                )
    return lines


def search_feedback(user, query):
    if not permissions.can_read(user) or len(query.strip()) < 3:
        return (_("Feedback"), [])
    hits = FeedbackItem.objects.filter(text__icontains=query.strip()).order_by("-received_at")[:10]
    return (
        _("Feedback"),
        [(f"#{i.pk} {i.topic}: {i.text[:80]}", reverse("feedback:item-detail", args=[i.pk])) for i in hits],
    )


def plan_feedback(request, plan):
    """On a plan's page: the feedback it answers, and once it is done, "tell the affected
    customers" for those who may triage some of those items."""
    from apps.actions.models import ActionPlan

    from .services import plan_affected_items

    affected = plan_affected_items(plan)
    total = affected.count()
    if not total:
        return None
    can_tell = (
        plan.status == ActionPlan.Status.DONE
        and permissions.triageable(
            request.user, affected.filter(may_contact=True).exclude(status="closed")
        ).exists()
    )
    return {
        "template": "feedback/_plan_feedback.html",
        "plan": plan,
        "total": total,
        "open": affected.exclude(status="closed").count(),
        "can_tell": can_tell,
    }
