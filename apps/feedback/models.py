"""Feedback and the closed loop (DESIGN §3 feedback).

An item arrives (API, CSV) with its text already masked; routing gives it one or more
departments (a `Routing` row each, the trail); each routed department acknowledges or
declines (`Acknowledgement`); the item closes with a reason. A topic's items are a theme
(`ThemeAgenda` puts one on a committee's agenda); a topic's week far above its usual is a
`Spike`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, VersionedModel


def ack_hours() -> int:
    return settings.FEEDBACK_ACK_HOURS


def close_days() -> int:
    return settings.FEEDBACK_CLOSE_DAYS


class FeedbackItem(VersionedModel):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        ROUTED = "routed", _("routed")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        ACTIONED = "actioned", _("actioned")
        CLOSED = "closed", _("closed")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("positive")
        NEUTRAL = "neutral", _("neutral")
        NEGATIVE = "negative", _("negative")

    class ClosureReason(models.TextChoices):
        CUSTOMER_INFORMED = "customer_informed", _("customer informed")
        NO_CONSENT = "no_consent", _("no consent to contact")
        DUPLICATE = "duplicate", _("duplicate")
        NOT_ACTIONABLE = "not_actionable", _("not actionable")

    source = models.CharField(_("source"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128)
    received_at = models.DateTimeField(_("received"), db_index=True)
    channel = models.ForeignKey(
        "organization.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Pseudonymous: a reference that looks like an e-mail or a phone number is stored
    # as a keyed hash (masking.pseudonymise), so duplicates are still found.
    customer_ref = models.CharField(_("customer reference"), max_length=128, blank=True, db_index=True)
    may_contact = models.BooleanField(_("may contact"), default=False)
    # Masked on ingest (masking.mask): the original is never stored.
    text = models.TextField(_("text"))
    rating = models.SmallIntegerField(_("rating"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=64, blank=True, db_index=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.NEW, db_index=True
    )
    # Back in the CX leader's triage queue (no rule routed it, or a department declined).
    needs_triage = models.BooleanField(_("in triage"), default=True)
    handled_at = models.DateTimeField(_("marked handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    informed_at = models.DateTimeField(_("customer informed at"), null=True, blank=True)
    informed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer informed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    informed_what = models.TextField(_("what the customer was told"), blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="uniq_feedback_source_external"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=0, rating__lte=10),
                name="feedback_rating_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic or '—'}: {self.text[:60]}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def close_due_at(self):
        return self.received_at + timedelta(days=close_days())

    @property
    def close_overdue(self) -> bool:
        return not self.is_closed and timezone.now() > self.close_due_at


class RoutingRule(VersionedModel):
    """Topic / channel / keyword → departments. Every condition set must hold; a rule
    with none matches nothing (no accidental catch-all)."""

    name = models.CharField(_("name"), max_length=120)
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    channel = models.ForeignKey(
        "organization.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keyword = models.CharField(
        _("keyword"),
        max_length=80,
        blank=True,
        help_text=_("A whole word or phrase; case and accents are ignored."),
    )
    departments = models.ManyToManyField(
        "organization.Department", verbose_name=_("departments"), related_name="feedback_rules"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class Routing(TimeStampedModel):
    """One department an item was routed to: the routing trail. `ended_at` is set when
    the department declined (or was taken off by hand); the row stays for the trail."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="routings")
    department = models.ForeignKey(
        "organization.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    routed_at = models.DateTimeField(_("routed"), default=timezone.now)
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(_("acknowledge by"))
    escalated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["routed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "department"],
                condition=models.Q(ended_at__isnull=True),
                name="uniq_active_routing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.department_id}"


class Acknowledgement(TimeStampedModel):
    """A routed department's answer: acknowledged (note, optional plan) or declined with
    a reason (the item goes back to triage)."""

    routing = models.OneToOneField(Routing, on_delete=models.CASCADE, related_name="acknowledgement")
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="acknowledgements")
    department = models.ForeignKey(
        "organization.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    plan = models.ForeignKey(
        "actions.ActionPlan",
        verbose_name=_("action plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_acknowledgements",
    )
    declined = models.BooleanField(_("declined"), default=False)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.department_id} {'declined' if self.declined else 'ack'}"


class ThemeAgenda(TimeStampedModel):
    """A theme (a topic's items) put on a committee's agenda."""

    topic = models.CharField(_("topic"), max_length=64, db_index=True)
    agenda_item = models.OneToOneField(
        "committees.AgendaItem", on_delete=models.CASCADE, related_name="feedback_theme"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.topic} on {self.agenda_item_id}"


class Spike(TimeStampedModel):
    """A topic's complete ISO week above 2× the mean of the 8 weeks before (and ≥ 5)."""

    topic = models.CharField(_("topic"), max_length=64)
    week_start = models.DateField(_("week"))
    count = models.PositiveIntegerField()
    mean_before = models.FloatField()
    committees = models.ManyToManyField("committees.Committee", blank=True, related_name="+")

    class Meta:
        ordering = ["-week_start", "topic"]
        constraints = [models.UniqueConstraint(fields=["topic", "week_start"], name="uniq_spike_week")]

    def __str__(self) -> str:
        return f"{self.topic} {self.week_start}: {self.count}"
