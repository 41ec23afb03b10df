"""The driver evidence follows each roll-up: a job queued on commit for the parents whose
children (or themselves) were recomputed."""

from django.dispatch import receiver

from ..jobs import queue_after_commit
from ..signals import rollup_finished
from .services import parents_affected


@receiver(rollup_finished, dispatch_uid="metrics.driver_evidence_after_rollup")
def queue_driver_evidence(sender, metric_ids, periods, **kwargs):
    # Only closed months feed the evidence; a run that recomputed no month changes none.
    if periods and not any(p.kind == "month" for p in periods):
        return
    parent_ids = parents_affected(metric_ids)
    if parent_ids == []:
        return
    queue_after_commit("metrics.driver_evidence", parent_ids)
