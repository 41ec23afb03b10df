"""Action plans: owners, contributing departments, milestones, progress (DESIGN §3 actions)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, VersionedModel


class ActionPlan(VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        AT_RISK = "at_risk", _("at risk")
        BLOCKED = "blocked", _("blocked")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    class Effort(models.TextChoices):
        S = "S", _("small")
        M = "M", _("medium")
        L = "L", _("large")

    OPEN = (Status.DRAFT, Status.ACTIVE, Status.AT_RISK, Status.BLOCKED)
    CLOSED = (Status.DONE, Status.CANCELLED)

    title = models.CharField(_("title"), max_length=200)
    problem_statement = models.TextField(_("problem statement"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_plans",
    )
    owner_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        related_name="owned_plans",
    )
    contributing_departments = models.ManyToManyField(
        "organization.Department",
        verbose_name=_("contributing departments"),
        blank=True,
        related_name="contributed_plans",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    start = models.DateField(_("start"), null=True, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    cost_estimate = models.FloatField(
        _("cost estimate"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    effort = models.CharField(_("effort"), max_length=1, choices=Effort.choices, default=Effort.M)
    sponsoring_committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("sponsoring committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsored_plans",
    )

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(due__gte=models.F("start")),
                name="plan_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def is_overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate() and not self.is_closed


class ExpectedImpact(TimeStampedModel):
    """The change the plan is expected to bring to a metric, in the metric's units."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="impacts")
    metric = models.ForeignKey(
        "metrics.Metric", verbose_name=_("metric"), on_delete=models.PROTECT, related_name="expected_impacts"
    )
    expected_change = models.FloatField(_("expected change"))

    class Meta:
        ordering = ["metric__code"]
        constraints = [models.UniqueConstraint(fields=["plan", "metric"], name="uniq_plan_metric_impact")]

    def __str__(self) -> str:
        return f"{self.metric} {self.expected_change:+g}"


class Milestone(VersionedModel):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_milestones",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0.0001)])

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="milestone_weight_positive")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.due is not None and self.done_at is None and self.due < timezone.localdate()


class MilestoneComment(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class ProgressUpdate(models.Model):
    class Rag(models.TextChoices):
        GREEN = "green", _("on track")
        AMBER = "amber", _("at risk")
        RED = "red", _("off track")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    rag = models.CharField(_("RAG"), max_length=5, choices=Rag.choices)
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    text = models.TextField(_("update"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.rag} {self.percent}%"
