"""Committees listen: a metric turning red notifies the chairs of committees whose scope
holds it; open decisions show on their department's page; overdue ones join the digest
(`CommitteesConfig.ready()` adds these to `apps.core.registry`)."""

import threading

from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.core.text import one_line
from apps.metrics.signals import metric_turned_red
from apps.notifications import red

from . import selectors
from .models import Committee, Decision

_chairs = threading.local()


def _committees_overseeing(metric, stamp) -> list:
    """The committees whose scope holds ``metric``, looked up once per metric per roll-up
    (every snapshot of one roll-up carries its stamp, ``computed_at``): a first roll-up
    announces every red of the open periods, thousands of snapshots of a few hundred
    metrics."""
    if getattr(_chairs, "stamp", None) != stamp:
        _chairs.stamp, _chairs.by_metric = stamp, {}
    if metric.pk not in _chairs.by_metric:
        _chairs.by_metric[metric.pk] = list(
            Committee.objects.filter(archived=False)
            .filter(Q(scope_metrics=metric) | Q(scope_departments=metric.owner_department_id))
            .select_related("chair")
            .distinct()
        )
    return _chairs.by_metric[metric.pk]


@receiver(metric_turned_red)
def tell_the_chairs(sender, metric, period, scope_kind, scope_id, snapshot, **kwargs):
    for committee in _committees_overseeing(metric, snapshot.computed_at):
        red.collect(
            recipient=committee.chair,
            kind="metric_red_committee",
            red=red.red_of(metric, period, scope_kind, scope_id, snapshot),
            about=lambda name=committee.name: _("overseen by %(committee)s") % {"committee": name},
            about_key=str(committee.pk),
        )


def department_decisions(request, department):
    return {
        "template": "committees/_department_decisions.html",
        "decisions": list(selectors.open_decisions_for_department(department)),
    }


def overdue_decisions(today):
    result = {}
    for decision in (
        Decision.objects.filter(status=Decision.Status.OPEN, due__lt=today, owner__isnull=False)
        .select_related("item__review")
        .order_by("due", "pk")
    ):
        result.setdefault(decision.owner_id, []).append(
            (
                _("Decision “%(text)s”, due %(due)s")
                % {"text": Truncator(one_line(decision.text)).words(14), "due": decision.due},
                reverse("committees:review-detail", args=[decision.item.review_id]),
            )
        )
    return result


def my_decisions(request, user):
    decisions = list(selectors.my_open_decisions(user)[:50])
    if not decisions:
        return None
    return {"template": "committees/_my_decisions.html", "decisions": decisions}


def search_committees(user, query):
    committees = Committee.objects.filter(archived=False, name__icontains=query).order_by("name")[:10]
    return (
        _("Committees"),
        [(c.name, reverse("committees:committee-detail", args=[c.pk])) for c in committees],
    )
