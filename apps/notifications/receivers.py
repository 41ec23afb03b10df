"""The metric owner hears when their metric turns red (DESIGN §5 breaches): the metrics
app announces (`metric_turned_red`), notifications listen; metrics imports nothing of us."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.metrics.signals import metric_turned_red

from .services import notify


@receiver(metric_turned_red)
def notify_owner(sender, metric, period, scope_kind, scope_id, snapshot, **kwargs):
    if metric.owner is None:
        return
    where = _("organisation") if scope_kind == "org" else _("a department")
    if snapshot.actual is not None and snapshot.target is not None:
        detail = _("actual %(actual).4g against a target of %(target).4g") % {
            "actual": snapshot.actual,
            "target": snapshot.target,
        }
    else:
        detail = _("the metrics that drive it score %(score).0f of 100") % {
            "score": snapshot.driven_score or 0
        }
    notify(
        recipient=metric.owner,
        kind="metric_red",
        subject=_("%(code)s turned red for %(period)s") % {"code": metric.code, "period": period},
        body=_("%(name)s is off target in %(period)s (%(where)s): %(detail)s.")
        % {"name": metric.name, "period": period, "where": where, "detail": detail},
        url=reverse("metrics:metric-detail", args=[metric.code]),
        dedupe_key=f"red:{metric.pk}:{period}:{scope_kind}:{scope_id}:{snapshot.computed_at.date()}",
    )
