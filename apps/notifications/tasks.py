from celery import shared_task

from .digest import send_daily_digest
from .services import SEND_EMAIL_TASK, send_pending_email


@shared_task(name=SEND_EMAIL_TASK, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_email_task() -> dict:
    """Send every due, unsent notification mail (the outbox job, every minute)."""
    total = {"claimed": 0, "sent": 0, "failed": 0}
    while True:
        result = send_pending_email()
        for key in total:
            total[key] += result[key]
        if result["claimed"] == 0 or result["failed"] == result["claimed"]:
            return total


@shared_task(name="notifications.daily_digest")
def daily_digest_task() -> int:
    """Daily: one digest per person of their overdue items (deduplicated per day)."""
    return send_daily_digest()
