"""Base classes every governed model shares (DESIGN §3 intro)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """An editable object. Services bump `version` in the same UPDATE that checks it,
    so a save from a stale form is refused instead of silently overwriting."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)


class ArchivableModel(VersionedModel):
    """Governed objects are archived, never deleted."""

    archived = models.BooleanField(_("archived"), default=False, db_index=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} is archived, never deleted")


class HistoryEntry(models.Model):
    """One recorded change of a governed object: who, when, before → after per field.

    Written explicitly by the service that makes the change (not by save() signals),
    so bulk and conditional UPDATEs are recorded too."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        ARCHIVE = "archive", _("archived")
        RESTORE = "restore", _("restored")

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        "organization.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # {"field": {"label": ..., "before": ..., "after": ...}}; values already readable text.
    changes = models.JSONField(default=dict)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"

    def readable_changes(self) -> list[dict]:
        from .history import readable_changes  # history imports this module

        return readable_changes(self)
