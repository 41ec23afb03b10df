"""The daily reminder digest: one e-mail per person per day (DESIGN §5 reminders).

Apps register sources: callables `(today) -> {user_id: [(text, url), ...]}` (overdue
milestones, later decisions and feedback). The outbox's dedupe key makes running the
job twice on a day send one digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

DIGEST_SOURCES: list[Callable[[date], dict[int, list[tuple[str, str]]]]] = []


def register(source):
    DIGEST_SOURCES.append(source)
    return source


def send_daily_digest(today: date | None = None) -> int:
    """Write today's digests; returns how many were new."""
    from apps.organization.models import User

    from .services import notify

    today = today or timezone.localdate()
    lines: dict[int, list[tuple[str, str]]] = {}
    for source in DIGEST_SOURCES:
        for user_id, items in source(today).items():
            lines.setdefault(user_id, []).extend(items)
    written = 0
    users = User.objects.in_bulk(list(lines))
    for user_id, items in sorted(lines.items()):
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        body = "\n".join(f"- {text}: {url}" if url else f"- {text}" for text, url in items)
        with transaction.atomic():
            row = notify(
                recipient=user,
                kind="digest",
                subject=_("Your overdue items (%(n)s)") % {"n": len(items)},
                body=body,
                url=items[0][1] if len(items) == 1 else "",
                dedupe_key=f"digest:{user_id}:{today.isoformat()}",
            )
        written += row is not None
    return written
