"""Feedback jobs. They take ids (and month dates), never text: the text is masked before
any job sees it, and nothing personal travels through the broker."""

from datetime import date

from celery import shared_task


@shared_task(
    name="feedback.route_items", acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def route_items(item_ids: list[int]) -> dict:
    """On arrival: routing rules, the heads told (once per batch), spikes checked."""
    from . import services, spikes
    from .models import FeedbackItem

    result = services.items_route_by_rules(item_ids=item_ids)
    topics = set(
        FeedbackItem.objects.filter(pk__in=item_ids).exclude(topic="").values_list("topic", flat=True)
    )
    result["spikes"] = len(spikes.check(topics))
    return result


@shared_task(
    name="feedback.refresh_kpis",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def refresh_kpis(months: list[str]) -> dict:
    from . import kpis

    return kpis.refresh([date.fromisoformat(m) for m in months])


@shared_task(name="feedback.nightly", acks_late=True)
def nightly() -> dict:
    """KPIs of the open months (pairs fall due with time), spikes of last week."""
    from . import kpis, spikes

    result = kpis.refresh(kpis.months_to_refresh())
    result["spikes"] = len(spikes.check())
    return result


@shared_task(name="feedback.escalate", acks_late=True)
def escalate() -> int:
    """Hourly: acknowledgements 24 hours past due go to the CX leader."""
    from . import services

    return services.escalate_overdue()
