"""The metric hierarchy, its measurements and targets, and the computed snapshots
(DESIGN §3 metrics). The arithmetic lives in `engine/`; this module only stores."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import ArchivableModel, VersionedModel

from .engine.scoring import headline_score

CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$",
    _("Use letters, digits, _ or -, starting with a letter (at most 40)."),
)


class Metric(ArchivableModel):
    class Level(models.TextChoices):
        OPERATIONAL = "operational", _("operational")
        EXPERIENCE = "experience", _("experience")
        FINANCIAL = "financial", _("financial")

    class Direction(models.TextChoices):
        HIGHER = "higher_is_better", _("higher is better")
        LOWER = "lower_is_better", _("lower is better")

    class Aggregation(models.TextChoices):
        MEAN = "mean", _("mean (weighted by sample size)")
        SUM = "sum", _("sum")
        LAST = "last", _("last")
        MIN = "min", _("minimum")
        MAX = "max", _("maximum")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("daily")
        WEEKLY = "weekly", _("weekly")
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        YEARLY = "yearly", _("yearly")

    # The natural key outside systems use (ingest, API).
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    unit = models.CharField(_("unit"), max_length=24, blank=True)
    is_monetary = models.BooleanField(_("monetary"), default=False)
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    aggregation = models.CharField(_("aggregation"), max_length=8, choices=Aggregation.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_metrics",
    )
    owner_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_metrics",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class MetricLink(ArchivableModel):
    """child drives parent: `weight` for the score roll-up, `impact` = change of the
    parent (in its units, per month for a sum parent) per +1 unit of the child."""

    child = models.ForeignKey(
        Metric, verbose_name=_("child"), on_delete=models.PROTECT, related_name="parent_links"
    )
    parent = models.ForeignKey(
        Metric, verbose_name=_("parent"), on_delete=models.PROTECT, related_name="child_links"
    )
    weight = models.FloatField(_("weight"), default=1.0)
    impact = models.FloatField(_("impact"), default=0.0)

    class Meta:
        ordering = ["parent_id", "child_id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="uniq_metric_link"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="metric_link_weight_positive"),
            models.CheckConstraint(condition=~Q(child=models.F("parent")), name="metric_link_not_self"),
        ]
        verbose_name = _("metric link")
        verbose_name_plural = _("metric links")

    def __str__(self) -> str:
        return f"{self.child.code} → {self.parent.code}"


class Target(VersionedModel):
    """A target of one metric for the organisation (no department, no channel), one
    department or one channel, valid from `valid_from` to `valid_to` inclusive."""

    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.PROTECT, related_name="targets"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.ForeignKey(
        "organization.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.FloatField(_("target"))
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    amber_threshold = models.FloatField(_("amber threshold (score points)"), default=90.0)

    class Meta:
        ordering = ["metric_id", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="target_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(channel__isnull=True), name="target_one_scope"
            ),
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.metric.code} {self.value} from {self.valid_from}"


class Measurement(models.Model):
    """One value of a metric for a period, optionally for a department and/or channel.

    `dept_key` / `chan_key` mirror the nullable foreign keys with 0 for "none", so the
    upsert key (metric, period_start, department, channel, source) is a plain unique
    index on both databases (NULLs in a unique key would be distinct)."""

    # Referential integrity is kept by the database, set-based (migration
    # 0003_measurement_set_based_reference_checks), not by per-row foreign-key triggers: a
    # 100,000-row batch paid 300,000 index probes at commit, a third of an ingest
    # (issue #21). A statement trigger checks (and locks FOR KEY SHARE, as a foreign key
    # does) the distinct metrics, departments and channels of every INSERT or UPDATE
    # at once; a row trigger on those tables refuses deleting (or renumbering) one that
    # measurements name. Departments, channels and metrics are archived, never deleted.
    # tests/metrics/test_measurement_references.py proves both directions.
    # No index of its own on metric: uniq_measurement starts with it.
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, related_name="measurements", db_constraint=False, db_index=False
    )
    period_start = models.DateField()
    department = models.ForeignKey(
        "organization.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    channel = models.ForeignKey(
        "organization.Channel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    dept_key = models.BigIntegerField(default=0)
    chan_key = models.BigIntegerField(default=0)
    source = models.CharField(max_length=64)
    value = models.FloatField()
    sample_size = models.FloatField(default=1.0)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period_start", "dept_key", "chan_key", "source"], name="uniq_measurement"
            ),
            models.CheckConstraint(condition=Q(sample_size__gte=1), name="measurement_sample_size_min_1"),
        ]
        # (metric, period_start) is served by uniq_measurement's leading columns: one index
        # fewer to maintain on every ingested row.

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period_start} {self.value}"


class ScopeKind(models.TextChoices):
    ORG = "org", _("organisation")
    DEPT = "dept", _("department")
    CHANNEL = "channel", _("channel")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class RollupSnapshot(models.Model):
    """The computed layer every page reads: one row per (metric, period, scope).

    Scope is (kind, id) with id 0 for the organisation, so the key has no NULLs."""

    class Status(models.TextChoices):
        GREEN = "green", _("on target")
        AMBER = "amber", _("at risk")
        RED = "red", _("off target")
        GREY = "grey", _("no data")

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="snapshots")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    scope_kind = models.CharField(max_length=8, choices=ScopeKind.choices)
    scope_id = models.BigIntegerField(default=0)
    actual = models.FloatField(null=True)
    target = models.FloatField(null=True)
    baseline = models.FloatField(null=True)
    own_score = models.FloatField(null=True)
    driven_score = models.FloatField(null=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    gap = models.FloatField(null=True)
    value_at_stake = models.FloatField(null=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period_kind", "period_start", "scope_kind", "scope_id"],
                name="uniq_snapshot",
            )
        ]
        indexes = [
            models.Index(
                fields=["period_kind", "period_start", "scope_kind", "scope_id"], name="snapshot_period_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period_kind}:{self.period_start} {self.scope_kind}:{self.scope_id}"

    @property
    def score(self) -> float | None:
        """The score the metric is judged by: own score, else driven score (the engine's rule)."""
        return headline_score(self.own_score, self.driven_score)

    @property
    def score_is_driven(self) -> bool:
        """The score shown comes from the children (no own score)."""
        return self.own_score is None and self.driven_score is not None


class DirtyPeriod(models.Model):
    """A (metric, period) whose snapshots must be recomputed (DESIGN §5).

    Written in the transaction of the change that made it dirty; the roll-up claims
    rows with a conditional UPDATE and deletes them when done, so a change committed
    during a run stays for the next run."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    # The finest period the metric feeds (a month, or a quarter or year for metrics
    # measured less often); coarser periods containing it are recomputed with it.
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["claim_token"], name="dirty_claim_token")]

    def __str__(self) -> str:
        return f"dirty {self.metric_id} {self.period_kind}:{self.period_start}"


class RollupRun(models.Model):
    """One roll-up run, for the progress shown to the CX leader and the API."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    mode = models.CharField(max_length=16)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.mode} roll-up {self.state} at {self.created_at:%Y-%m-%d %H:%M}"


class DriverEvidence(models.Model):
    """How well the organisation's monthly actuals support one link's `impact` (DESIGN §4
    item 13): computed after each roll-up by `evidence.services`, one row per link.
    Association, not proof of cause."""

    class Verdict(models.TextChoices):
        SUPPORTED = "supported", _("supported")
        INCONCLUSIVE = "inconclusive", _("inconclusive")
        CONTRADICTED = "contradicted", _("contradicted")
        OPPOSITE = "opposite", _("opposite")
        NOT_MONTHLY = "not_monthly", _("not monthly")
        NOT_ENOUGH_DATA = "not_enough_data", _("not enough data")
        CANNOT_SEPARATE = "cannot_separate", _("cannot separate")

    class Scope(models.TextChoices):
        DEPARTMENT = "department", _("departments pooled")
        ORGANISATION = "organisation", _("organisation")

    link = models.OneToOneField(MetricLink, on_delete=models.CASCADE, related_name="evidence")
    observations = models.IntegerField(_("observations"), default=0)
    groups = models.IntegerField(_("groups"), default=0)
    scope_kind = models.CharField(_("scope"), max_length=12, choices=Scope.choices, blank=True)
    estimate = models.FloatField(_("estimate"), null=True)
    std_error = models.FloatField(_("standard error"), null=True)
    interval_low = models.FloatField(_("interval low"), null=True)
    interval_high = models.FloatField(_("interval high"), null=True)
    r_squared = models.FloatField(_("R²"), null=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("driver evidence")
        verbose_name_plural = _("driver evidence")

    def __str__(self) -> str:
        return f"{self.link_id} {self.verdict}"

    @property
    def is_warning(self) -> bool:
        """Contradicted or opposite: the data do not bear out the stated impact."""
        return self.verdict in (self.Verdict.CONTRADICTED, self.Verdict.OPPOSITE)

    @property
    def has_estimate(self) -> bool:
        return self.estimate is not None
