"""Write helpers every app's services share."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import history
from .errors import StaleEdit
from .models import HistoryEntry


def _touched(model) -> dict:
    """auto_now fields (updated_at) to set by hand: a queryset .update() skips auto_now."""
    now = timezone.now()
    return {f.name: now for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}


@transaction.atomic
def versioned_update(obj, *, by, version: int, changes: dict, m2m: dict | None = None, note: str = ""):
    """Apply `changes` (and many-to-many `m2m` sets) to `obj` if nobody saved it since
    `version`; record the change; return the fresh object.

    The version check and the write are one conditional UPDATE, so of two editors who
    loaded the same version exactly one wins and the other gets StaleEdit."""
    model = type(obj)
    fresh = model.objects.select_for_update().get(pk=obj.pk)
    before = history.capture(fresh)
    updated = model.objects.filter(pk=obj.pk, version=version).update(
        version=F("version") + 1, **_touched(model), **changes
    )
    if not updated:
        current = model.objects.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleEdit(obj, current)
    fresh = model.objects.get(pk=obj.pk)
    for name, values in (m2m or {}).items():
        getattr(fresh, name).set(values)
    history.record(fresh, by=by, before=before, note=note)
    return fresh


@transaction.atomic
def archive_set(obj, *, by, archived: bool):
    """Archive (or restore) a governed object; a no-op when already in that state."""
    model = type(obj)
    changed = model.objects.filter(pk=obj.pk, archived=not archived).update(
        archived=archived, version=F("version") + 1, **_touched(model)
    )
    fresh = model.objects.get(pk=obj.pk)
    if changed:
        history.record_many(
            model,
            {obj.pk: {"archived": (not archived, archived)}},
            by=by,
            action=HistoryEntry.Action.ARCHIVE if archived else HistoryEntry.Action.RESTORE,
        )
    return fresh
