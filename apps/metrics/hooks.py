"""Where metrics show up elsewhere (registered in MetricsConfig.ready()): the search box."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Metric


def search_metrics(user, query):
    metrics = Metric.objects.filter(
        Q(code__icontains=query) | Q(name__icontains=query), archived=False
    ).order_by("name")[:10]
    return (
        _("Metrics"),
        [(f"{m.name} ({m.code})", reverse("metrics:metric-detail", args=[m.code])) for m in metrics],
    )
