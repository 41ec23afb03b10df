"""Change history: services call these after each write (STYLE.md "one door").

    before = history.capture(plan)
    ... write ...
    history.record(plan, by=user, before=before)

`capture` reads the tracked fields (many-to-many included) as readable values;
`record` compares with the object's current state and stores only what changed.
Bulk writes pass the before-states they selected and call `record_many`.
"""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.translation import gettext

from .models import HistoryEntry

# Bookkeeping fields that change on every write and say nothing to a reader.
IGNORED_FIELDS = {"id", "created_at", "updated_at", "version", "password", "last_login"}


def _readable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def tracked_fields(model) -> list[models.Field]:
    fields = []
    for field in model._meta.get_fields():
        if field.auto_created or not field.concrete and not field.many_to_many:
            continue
        if field.name in IGNORED_FIELDS or getattr(field, "history_ignore", False):
            continue
        fields.append(field)
    return fields


def capture(obj) -> dict:
    """The object's tracked fields as readable values; fetch it fresh before writing."""
    state = {}
    for field in tracked_fields(type(obj)):
        if field.many_to_many:
            related = [] if obj.pk is None else sorted(str(o) for o in getattr(obj, field.name).all())
            state[field.name] = ", ".join(related)
        elif field.is_relation:
            state[field.name] = str(getattr(obj, field.name)) if getattr(obj, field.attname) else None
        elif field.choices:
            state[field.name] = str(getattr(obj, f"get_{field.name}_display")())
        else:
            state[field.name] = _readable(getattr(obj, field.attname))
    return state


def diff(model, before: dict, after: dict) -> dict:
    labels = {f.name: str(f.verbose_name) for f in tracked_fields(model)}
    return {
        name: {"label": labels.get(name, name), "before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def record(
    obj, *, by, before: dict | None = None, action: str | None = None, note: str = ""
) -> HistoryEntry | None:
    """Store what changed on `obj` since `before` (None: the object was created)."""
    obj.refresh_from_db()
    after = capture(obj)
    if before is None:
        action = action or HistoryEntry.Action.CREATE
        changes = diff(type(obj), {}, {k: v for k, v in after.items() if v not in (None, "", [], False)})
    else:
        action = action or HistoryEntry.Action.UPDATE
        changes = diff(type(obj), before, after)
        if not changes and not note:
            return None
    return HistoryEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        action=action,
        actor=by if getattr(by, "pk", None) else None,
        changes=changes,
        note=note[:255],
    )


def record_many(model, changes_by_pk: dict, *, by, action: str = HistoryEntry.Action.UPDATE) -> int:
    """Bulk twin of `record` for set-based UPDATEs: `changes_by_pk` maps a primary key to
    {field: (before, after)} as the service computed them around its UPDATE."""
    ct = ContentType.objects.get_for_model(model)
    labels = {f.name: str(f.verbose_name) for f in tracked_fields(model)}
    entries = [
        HistoryEntry(
            content_type=ct,
            object_id=str(pk),
            action=action,
            actor=by if getattr(by, "pk", None) else None,
            changes={
                name: {"label": labels.get(name, name), "before": _readable(b), "after": _readable(a)}
                for name, (b, a) in fields.items()
                if b != a
            },
        )
        for pk, fields in changes_by_pk.items()
    ]
    HistoryEntry.objects.bulk_create(entries)
    return len(entries)


def history_for(obj, limit: int = 50) -> Iterable[HistoryEntry]:
    return (
        HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )
        .select_related("actor")
        .order_by("-at", "-pk")[:limit]
    )


def readable_changes(entry: HistoryEntry) -> list[dict]:
    """An entry's changes for the reader's language: the field's label as the model says it
    now, a choice as its label (whatever language it was recorded in), yes / no for a flag."""
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    fields = {f.name: f for f in tracked_fields(model)} if model is not None else {}
    rows = []
    for name, change in entry.changes.items():
        field = fields.get(name)
        rows.append(
            {
                "label": str(field.verbose_name) if field is not None else change.get("label", name),
                "before": _shown(field, change.get("before")),
                "after": _shown(field, change.get("after")),
            }
        )
    return rows


def _shown(field, value):
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field is not None and field.choices and isinstance(value, str):
        return choice_label(field, value)
    return value


def choice_label(field, value: str) -> str:
    """A choice recorded as its code or as its label in any language, in the reader's."""
    code = _choice_codes(field).get(value)
    return value if code is None else str(dict(field.flatchoices)[code])


@functools.cache
def _choice_codes(field) -> dict[str, object]:
    """Every way a choice may have been recorded (its code, its label in each language) →
    its code."""
    codes = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in field.flatchoices:
                codes[str(label)] = code
    for code, _label in field.flatchoices:
        codes[str(code)] = code
    return codes
