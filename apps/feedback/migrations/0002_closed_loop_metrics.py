"""The closed-loop KPIs as system metrics, so every installation has them. Their rows come
only from the feedback app (source "feedback", reserved in the measurement ingest); the
CX leader may link and target them like any metric."""

from django.db import migrations

METRICS = [
    (
        "FB_ACK_SLA",
        "Feedback acknowledged within the service level",
        "Share of (item, routed department) pairs acknowledged within the service level "
        "(48 hours of routing), by the month the item was received.",
        "%",
        "higher_is_better",
        "mean",
    ),
    (
        "FB_ACK_HOURS",
        "Hours to acknowledge feedback",
        "Mean hours from routing to acknowledgement, by the month the item was received.",
        "h",
        "lower_is_better",
        "mean",
    ),
    (
        "FB_CLOSED_LOOP",
        "Closed-loop rate",
        "Share of items closed within 7 days of receipt, over the items received at least 7 days ago.",
        "%",
        "higher_is_better",
        "mean",
    ),
    (
        "FB_ITEMS",
        "Feedback items",
        "Feedback items received, per channel.",
        "items",
        "higher_is_better",
        "sum",
    ),
]


def create(apps, schema_editor):
    Metric = apps.get_model("metrics", "Metric")
    for code, name, description, unit, direction, aggregation in METRICS:
        Metric.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "unit": unit,
                "direction": direction,
                "aggregation": aggregation,
                "level": "operational",
                "frequency": "monthly",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial"), ("metrics", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
