"""Bonus plans whose components are CX metrics, and their computed payouts (DESIGN §3
incentives). The payout arithmetic is the engine's (`apps/metrics/engine/incentives.py`);
this module only stores."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, VersionedModel
from apps.metrics.engine.periods import Period


class IncentivePlan(VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=160)
    # A year (`2026`) or a quarter (`2026-Q2`), parsed by the engine's Period.
    period = models.CharField(_("period"), max_length=8)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # "Sent for approval": set by the CX leader, cleared by any later edit and by a send-back.
    submitted_at = models.DateTimeField(_("sent for approval"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent for approval by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Everyone who changed the plan (its fields, components or participants) in the current
    # drafting round — since it was created or last sent back. None of them may approve it.
    editor_ids = models.JSONField(default=list, blank=True)
    editor_ids.history_ignore = True
    sent_back_reason = models.TextField(_("reason for sending back"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "name", "pk"]
        verbose_name = _("incentive plan")
        verbose_name_plural = _("incentive plans")

    def __str__(self) -> str:
        return f"{self.name} ({self.period})"

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class PlanComponent(VersionedModel):
    class Scope(models.TextChoices):
        ORGANISATION = "organisation", _("organisation")
        DEPARTMENT = "department", _("participant's department")

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="components")
    metric = models.ForeignKey(
        "metrics.Metric", verbose_name=_("metric"), on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.ORGANISATION)
    weight = models.FloatField(_("weight"), default=1.0)
    threshold = models.FloatField(_("threshold"))
    target = models.FloatField(_("target"))
    maximum = models.FloatField(_("maximum"))
    threshold_percent = models.FloatField(_("payout % at threshold"), default=50.0)
    target_percent = models.FloatField(_("payout % at target"), default=100.0)
    maximum_percent = models.FloatField(_("payout % at maximum"), default=150.0)

    class Meta:
        ordering = ["plan_id", "pk"]
        verbose_name = _("plan component")
        verbose_name_plural = _("plan components")
        constraints = [
            models.UniqueConstraint(fields=["plan", "metric", "scope"], name="uniq_plan_component"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="plan_component_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.metric.code} ({self.get_scope_display()})"


class Participant(VersionedModel):
    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    # For department-scoped components; set when added, changed only by an amendment.
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_bonus = models.FloatField(_("target bonus"), validators=[MinValueValidator(0)])
    cx_share = models.FloatField(_("CX share %"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"))

    class Meta:
        ordering = ["plan_id", "person__display_name", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["plan", "person"], name="uniq_plan_participant"),
            models.CheckConstraint(condition=Q(target_bonus__gte=0), name="participant_bonus_non_negative"),
            models.CheckConstraint(
                condition=Q(cx_share__gte=0) & Q(cx_share__lte=100), name="participant_cx_share_0_100"
            ),
            models.CheckConstraint(condition=Q(to_date__gte=models.F("from_date")), name="participant_dates"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class PayoutResult(TimeStampedModel):
    """A participant's computed result: attainment and CX bonus (unrounded), recomputed by
    the payouts job while the plan is open and frozen when it closes."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="results")
    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="result")
    attainment = models.FloatField(null=True)
    # The share of the period's days the participant was in the plan.
    participation = models.FloatField(default=1.0)
    cx_bonus = models.FloatField(default=0.0)
    provisional = models.BooleanField(default=False)
    computed_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "participant_id"]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.attainment}"


class ComponentResult(models.Model):
    """One component of a participant's result: the actual read from the snapshots, the
    curve points it was compared with (pro-rated for a `sum` metric to date) and the payout."""

    result = models.ForeignKey(PayoutResult, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(PlanComponent, on_delete=models.CASCADE, related_name="+")
    actual = models.FloatField(null=True)
    threshold = models.FloatField()
    target = models.FloatField()
    maximum = models.FloatField()
    payout_percent = models.FloatField()
    weight = models.FloatField()

    class Meta:
        ordering = ["result_id", "component_id"]
        constraints = [
            models.UniqueConstraint(fields=["result", "component"], name="uniq_component_result"),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.payout_percent}"

    @property
    def no_actual(self) -> bool:
        return self.actual is None

    @property
    def contribution(self) -> float:
        return self.weight * self.payout_percent
