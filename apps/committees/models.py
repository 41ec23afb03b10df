"""Cross-functional oversight: committees, reviews, agenda, notes, decisions
(DESIGN §3 committees)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import ArchivableModel, VersionedModel


class Committee(ArchivableModel):
    class Kind(models.TextChoices):
        STEERING = "steering", _("steering committee")
        WORKING_GROUP = "working_group", _("working group")

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("weekly")
        BIWEEKLY = "biweekly", _("every two weeks")
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")

    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WORKING_GROUP)
    charter = models.TextField(_("charter"), blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="chaired_committees",
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("secretary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="secretary_of",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="committees"
    )
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    scope_metrics = models.ManyToManyField(
        "metrics.Metric", verbose_name=_("metrics overseen"), blank=True, related_name="committees"
    )
    scope_departments = models.ManyToManyField(
        "organization.Department",
        verbose_name=_("departments overseen"),
        blank=True,
        related_name="committees",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return self.name


class Review(VersionedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        IN_SESSION = "in_session", _("in session")
        CLOSED = "closed", _("closed")

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="reviews")
    scheduled_for = models.DateField(_("scheduled for"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), blank=True, related_name="attended_reviews"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.committee} — {self.scheduled_for:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        METRIC = "metric", _("metric")
        ACTION_PLAN = "action_plan", _("action plan")
        FEEDBACK_THEME = "feedback_theme", _("feedback theme")
        FOLLOW_UP = "follow_up", _("follow-up")
        FREE = "free", _("free item")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=240)
    metric = models.ForeignKey(
        "metrics.Metric", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        "actions.ActionPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    follow_up = models.ForeignKey(
        "Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(default=0)
    value_at_stake = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=240, blank=True)
    # The item's numbers at close: stored, never recomputed (minutes stay as decided).
    figures = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class ReviewNote(models.Model):
    """One row per author and edit: two people taking notes at once never overwrite."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class TargetChangeProposal(VersionedModel):
    """A target proposed by a review; the CX leader confirms (through the metric service)
    or rejects it on a page of its own."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    metric = models.ForeignKey("metrics.Metric", on_delete=models.PROTECT, related_name="target_proposals")
    department = models.ForeignKey(
        "organization.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    value = models.FloatField(_("proposed target"))
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    amber_threshold = models.FloatField(_("amber threshold"), default=90.0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    applied_target = models.ForeignKey(
        "metrics.Target", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.metric.code} → {self.value:g} from {self.valid_from}"


class Decision(VersionedModel):
    class Kind(models.TextChoices):
        CREATE_ACTION_PLAN = "create_action_plan", _("create action plan")
        ASSIGN_OWNER = "assign_owner", _("assign owner")
        ESCALATE = "escalate", _("escalate")
        ACCEPT_RISK = "accept_risk", _("accept risk")
        CHANGE_TARGET = "change_target", _("change target")
        NOTE = "note", _("note")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("decision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_decisions",
    )
    owner_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    linked_plan = models.ForeignKey(
        "actions.ActionPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    proposal = models.OneToOneField(
        TargetChangeProposal, null=True, blank=True, on_delete=models.PROTECT, related_name="decision"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due is not None and self.due < timezone.localdate()
