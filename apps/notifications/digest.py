"""The daily reminder digest: one e-mail per person per day (DESIGN §5 reminders).

Apps add sources in their `AppConfig.ready()` with `apps.core.registry.add_digest`:
callables `(today) -> {user_id: [(text, url), ...]}` (overdue milestones, decisions,
later feedback). The outbox's dedupe key makes running the job twice on a day send one
digest."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.registry import registry
from apps.organization.models import User

from .services import notify


def send_daily_digest(today: date | None = None) -> int:
    """Write today's digests; returns how many were new. The sources' lines are written
    once per language and each person gets them in their own."""
    today = today or timezone.localdate()
    written = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lines = registry.digest(today)
        users = User.objects.filter(pk__in=list(lines), language=language, is_active=True).in_bulk()
        for user_id, items in sorted(lines.items()):
            user = users.get(user_id)
            if user is None:
                continue
            body = "\n".join(f"- {text}: {url}" if url else f"- {text}" for text, url in items)
            with transaction.atomic():
                row = notify(
                    recipient=user,
                    kind="digest",
                    subject=lambda items=items: _("Your overdue items (%(n)s)") % {"n": len(items)},
                    body=lambda body=body: body,
                    url=items[0][1] if len(items) == 1 else "",
                    dedupe_key=f"digest:{user_id}:{today.isoformat()}",
                )
            written += row is not None
    return written
