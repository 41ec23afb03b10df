"""The metric owner hears when their metric turns red (DESIGN §5 breaches): the metrics
app announces (`metric_turned_red`), notifications listen; metrics imports nothing of us.
Every red of one roll-up reaches the owner as one notification (`red`)."""

from django.dispatch import receiver

from apps.metrics.signals import metric_turned_red

from . import red


@receiver(metric_turned_red)
def notify_owner(sender, metric, period, scope_kind, scope_id, snapshot, **kwargs):
    red.collect(
        recipient=metric.owner,
        kind="metric_red",
        red=red.red_of(metric, period, scope_kind, scope_id, snapshot),
    )
