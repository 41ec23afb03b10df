from celery import shared_task


@shared_task(
    name="incentives.payouts", autoretry_for=(Exception,), retry_backoff=True, max_retries=5, acks_late=True
)
def payouts_task(metric_ids: list[int] | None, periods: list[str]) -> int:
    """After a roll-up: recompute the results of every plan not closed whose metrics and
    period it touched (DESIGN §5 payouts). Idempotent; takes ids and period labels."""
    from apps.metrics.engine.periods import Period

    from .services import payouts_after_rollup

    return payouts_after_rollup(metric_ids=metric_ids, periods=[Period.parse(p) for p in periods])
