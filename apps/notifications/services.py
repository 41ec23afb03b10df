"""Write and deliver notifications. Callers are inside their event's transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from celery import signature
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from apps.core.jobs import send_or_leave_for_the_sweep
from apps.core.text import one_line

from .models import Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claim older than this is taken to belong to a worker that died mid-send.
CLAIM_LEASE = timedelta(minutes=10)
# tasks.py imports this module; we queue its mail task by name (registered in ready()).
SEND_EMAIL_TASK = "notifications.send_email"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failure, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


SUBJECT_LENGTH = 200


def in_language_of(recipient):
    """Text written for `recipient` is in their language, not the actor's (DESIGN §5)."""
    return translation.override(getattr(recipient, "language", "") or settings.LANGUAGE_CODE)


def clipped(text: str, length: int) -> str:
    """At most `length` characters, cut at a word with an ellipsis, never mid-word."""
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def notify(
    *,
    recipient,
    kind: str,
    subject: Callable[[], str],
    body: Callable[[], str] | None = None,
    url: str = "",
    dedupe_key: str | None = None,
    in_app: bool = True,
    send_email: bool = True,
) -> Notification | None:
    """Record a notification in the caller's transaction and queue its mail on commit.

    `subject` and `body` are callables that build the text: they run in the recipient's
    language (a string built beforehand would be in the actor's). With a `dedupe_key`
    already used, nothing is written and None is returned."""
    if not callable(subject) or (body is not None and not callable(body)):
        raise TypeError("notify(): subject and body are callables, run in the recipient's language")
    if recipient is None or not recipient.is_active:
        return None
    wants_mail = send_email and bool(recipient.email) and not getattr(recipient, "is_system", False)
    with in_language_of(recipient):
        subject_text = str(subject())
        body_text = str(body()) if body is not None else ""
    row = Notification(
        recipient=recipient,
        kind=kind,
        # One line: a title with a line break must never make a mail that cannot be sent.
        subject=clipped(one_line(subject_text), SUBJECT_LENGTH),
        body=body_text,
        url=url[:500],
        dedupe_key=dedupe_key,
        in_app=in_app,
        send_email=wants_mail,
    )
    if dedupe_key is not None and Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        # A savepoint: a concurrent writer of the same digest wins without
        # breaking the caller's transaction.
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    if wants_mail:
        transaction.on_commit(
            lambda: send_or_leave_for_the_sweep(signature(SEND_EMAIL_TASK).delay, task=SEND_EMAIL_TASK)
        )
    return row


def claim_unsent(limit: int = 100) -> tuple[uuid.UUID, list[Notification]]:
    """Claim up to `limit` unsent rows for this worker.

    One conditional UPDATE: a row is claimed only if it is still unclaimed (or its
    claim expired) when the UPDATE reaches it, so two workers never claim one row."""
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(
        emailed_at__isnull=True, send_email=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now
    ) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
    candidates = Notification.objects.filter(claimable).order_by("next_attempt_at", "pk").values("pk")[:limit]
    if connection_supports_skip_locked():
        candidates = candidates.select_for_update(skip_locked=True)
    with transaction.atomic():
        Notification.objects.filter(claimable, pk__in=list(candidates.values_list("pk", flat=True))).update(
            claimed_at=now, claim_token=token, attempts=F("attempts") + 1
        )
    return token, list(Notification.objects.filter(claim_token=token).select_related("recipient"))


def connection_supports_skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


def send_pending_email(limit: int = 100) -> dict:
    """Send claimed mail; failures go back to the queue with backoff."""
    token, rows = claim_unsent(limit)
    sent = failed = 0
    for row in rows:
        try:
            send_mail(
                subject=one_line(row.subject),
                message=_mail_body(row),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[row.recipient.email],
            )
        except Exception as exc:  # any delivery failure is retried
            failed += 1
            log.warning("event=mail_failed notification=%s attempts=%s error=%s", row.pk, row.attempts, exc)
            Notification.objects.filter(pk=row.pk, claim_token=token).update(
                claimed_at=None,
                claim_token=None,
                next_attempt_at=timezone.now() + backoff(row.attempts),
                last_error=str(exc)[:500],
            )
        else:
            sent += 1
            Notification.objects.filter(pk=row.pk, claim_token=token).update(
                emailed_at=timezone.now(), claim_token=None, last_error=""
            )
    return {"claimed": len(rows), "sent": sent, "failed": failed}


def _mail_body(row: Notification) -> str:
    if row.url and row.url.startswith("/"):
        base = settings.PORTAL_BASE_URL.rstrip("/")
        return f"{row.body}\n\n{base}{row.url}".strip()
    return row.body


def notification_mark_read(*, recipient, pk: int | None = None) -> int:
    """Mark one of the recipient's notifications (or all of them) read."""
    qs = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())
