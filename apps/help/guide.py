"""Whether the installation is still being set up: the guided start replaces the empty
overview and hierarchy until the hierarchy has its first link (an installation may ship
system metrics of its own, e.g. feedback's closed-loop KPIs, so "no metrics" is not it)."""

from apps.metrics.models import MetricLink


def setting_up() -> bool:
    return not MetricLink.objects.exists()
