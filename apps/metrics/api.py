"""Metrics API (DESIGN §8): metrics (tree), links, targets, measurements (list, bulk
ingest), snapshots, summary, roll-ups. Addressed by codes; thin views over services."""

from __future__ import annotations

import io
import re

import django_filters.rest_framework as django_filters
from django.conf import settings
from django.db import OperationalError
from django.db.models import Prefetch
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ServiceViewSet
from apps.core.api_auth import PortalApiPermission
from apps.core.filters import Backend, SelectorFilterSet
from apps.core.text import validate_single_line
from apps.core.validators import FiniteFloatField, PersonByEmailField, PortalModelSerializer
from apps.organization.api_auth import HashedTokenAuthentication
from apps.organization.models import Channel, Department, User

from . import ingest, selectors, services
from .evidence.services import evidence_row, stored_for_parent
from .models import DriverEvidence, Measurement, Metric, MetricLink, RollupRun, RollupSnapshot, Target
from .permissions import IngestApiPermission, MetricsApiPermission, RollupApiPermission
from .runs import request_full_rollup
from .scopes import last_closed_month

# The query's formats, documented as patterns and held to them before parsing (the pages'
# parsers forgive spaces around a period; the API says exactly what it takes).
PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
SCOPE_PATTERN = r"^(org|(dept|channel):[A-Za-z0-9_\-]+)$"
FILTERS = [
    OpenApiParameter("metric", OpenApiTypes.STR, description="metric code"),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        description="a month 2025-03, a quarter 2025-Q1 or a year 2025 (years 1000 to 9998)",
        pattern=PERIOD_PATTERN,
    ),
    OpenApiParameter(
        "scope", OpenApiTypes.STR, description="org, dept:<code> or channel:<code>", pattern=SCOPE_PATTERN
    ),
]


def _checked(params):
    """The query parameters, with `period` and `scope` held to their documented patterns."""
    errors = {}
    for name, pattern in (("period", PERIOD_PATTERN), ("scope", SCOPE_PATTERN)):
        value = params.get(name)
        if value is not None and not re.fullmatch(pattern, value):
            errors[name] = [f"{value[:40]!r} does not match {pattern}"]
    if errors:
        raise serializers.ValidationError(errors)
    return params


class MetricSerializer(PortalModelSerializer):
    owner = PersonByEmailField(queryset=User.objects.filter(is_active=True), allow_null=True, required=False)
    owner_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    parents = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Metric
        fields = [
            "code",
            "name",
            "description",
            "level",
            "unit",
            "is_monetary",
            "direction",
            "aggregation",
            "frequency",
            "owner",
            "owner_department",
            "archived",
            "version",
            "parents",
            "children",
        ]
        read_only_fields = ["archived"]
        extra_kwargs = {
            "name": {"validators": [validate_single_line]},
            "unit": {"validators": [validate_single_line]},
        }

    def _links(self, obj, attr, other):
        links = getattr(obj, attr).all()
        return [
            {"metric": getattr(x, other).code, "weight": x.weight, "impact": x.impact}
            for x in links
            if not x.archived
        ]

    def get_parents(self, obj) -> list[dict]:
        return self._links(obj, "parent_links", "parent")

    def get_children(self, obj) -> list[dict]:
        return self._links(obj, "child_links", "child")


class _ServiceViewSet(ServiceViewSet):
    permission_classes = [PortalApiPermission, MetricsApiPermission]


class MetricViewSet(_ServiceViewSet):
    """Metrics with their parents and children (the tree), addressed by code."""

    serializer_class = MetricSerializer
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z][A-Za-z0-9_\-]{0,39}"

    def get_queryset(self):
        return (
            Metric.objects.select_related("owner", "owner_department")
            .prefetch_related(
                Prefetch("parent_links", queryset=MetricLink.objects.select_related("parent")),
                Prefetch("child_links", queryset=MetricLink.objects.select_related("child")),
            )
            .order_by("code")
        )

    def create_service(self, **data):
        return services.metric_create(**data)

    def update_service(self, obj, **data):
        return services.metric_update(metric=obj, **data)


class LinkSerializer(PortalModelSerializer):
    child = serializers.SlugRelatedField(slug_field="code", queryset=Metric.objects.filter(archived=False))
    parent = serializers.SlugRelatedField(slug_field="code", queryset=Metric.objects.filter(archived=False))
    weight = FiniteFloatField(default=1.0)
    impact = FiniteFloatField(default=0.0)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = MetricLink
        fields = ["id", "child", "parent", "weight", "impact", "archived", "version"]
        read_only_fields = ["id", "archived"]


class LinkViewSet(_ServiceViewSet):
    """Driver links child → parent, addressed by codes, e.g.
    `{"child": "AHT", "parent": "CSAT", "weight": 2, "impact": -0.05}`."""

    serializer_class = LinkSerializer

    def get_queryset(self):
        return MetricLink.objects.select_related("child", "parent").order_by("parent__code", "child__code")

    def create_service(self, **data):
        return services.link_create(**data)

    def update_service(self, obj, **data):
        return services.link_update(link=obj, **data)


class TargetSerializer(PortalModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="code", queryset=Metric.objects.filter(archived=False))
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    channel = serializers.SlugRelatedField(
        slug_field="code", queryset=Channel.objects.all(), allow_null=True, required=False
    )
    value = FiniteFloatField()
    baseline = FiniteFloatField(allow_null=True, required=False)
    amber_threshold = FiniteFloatField(default=90.0)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Target
        fields = [
            "id",
            "metric",
            "valid_from",
            "valid_to",
            "department",
            "channel",
            "value",
            "baseline",
            "amber_threshold",
            "version",
        ]
        read_only_fields = ["id"]


def _by_metric(queryset, params):
    return queryset.filter(metric__code=params["metric"]) if params.get("metric") else queryset


class TargetFilter(SelectorFilterSet):
    selector = staticmethod(_by_metric)

    metric = django_filters.CharFilter(help_text="metric code")

    class Meta:
        model = Target
        fields: list = []


class TargetViewSet(_ServiceViewSet):
    serializer_class = TargetSerializer
    filter_backends = [Backend]
    filterset_class = TargetFilter

    def get_queryset(self):
        return Target.objects.select_related("metric", "department", "channel").order_by(
            "metric__code", "valid_from"
        )

    def create_service(self, **data):
        return services.target_create(**data)

    def update_service(self, obj, **data):
        return services.target_update(target=obj, **data)


class MeasurementSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="metric.code")
    department = serializers.CharField(source="department.code", allow_null=True, default=None)
    channel = serializers.CharField(source="channel.code", allow_null=True, default=None)

    class Meta:
        model = Measurement
        fields = [
            "metric",
            "period_start",
            "department",
            "channel",
            "source",
            "value",
            "sample_size",
            "recorded_at",
        ]


def _filter_by_period_and_scope(qs, params, *, date_field: str | None = None):
    if params.get("metric"):
        qs = qs.filter(metric__code=params["metric"])
    if params.get("period"):
        period = selectors.parse_period(params["period"])
        qs = qs.filter(**{f"{date_field}__gte": period.start, f"{date_field}__lte": period.end})
    if params.get("scope"):
        scope = selectors.parse_scope(params["scope"])
        if scope.kind == "dept":
            qs = qs.filter(department_id=scope.id)
        elif scope.kind == "channel":
            qs = qs.filter(channel_id=scope.id)
        else:
            qs = qs.filter(department__isnull=True, channel__isnull=True)
    return qs


@extend_schema(parameters=FILTERS)
class MeasurementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stored measurements, filtered by metric, period (by period_start) and scope (the
    rows recorded for it: `org` = rows with neither department nor channel)."""

    serializer_class = MeasurementSerializer
    permission_classes = [PortalApiPermission]

    def get_queryset(self):
        qs = Measurement.objects.select_related("metric", "department", "channel").order_by(
            "metric__code", "period_start", "dept_key", "chan_key", "source"
        )
        return _filter_by_period_and_scope(qs, _checked(self.request.query_params), date_field="period_start")


class _RequestStream(io.RawIOBase):
    """The WSGI request body as a raw binary stream, for io.TextIOWrapper."""

    def __init__(self, request):
        self._request = request

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._request.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class StreamSessionAuthentication(SessionAuthentication):
    """Session sign-in (pages' JavaScript, scripts with a session cookie) for a view that
    reads its body as a stream: DRF's CSRF check reads `request.POST` through the view's
    parsers, and with none it answered 415 before the view ran. Django's own request has
    no form data for a CSV or JSON body, so the check falls back to the X-CSRFToken
    header, as for any other API call."""

    def enforce_csrf(self, request):
        return super().enforce_csrf(request._request)


class StreamSessionScheme(SessionScheme):
    """The OpenAPI schema names it like DRF's session sign-in (cookie)."""

    target_class = "apps.metrics.api.StreamSessionAuthentication"
    name = "ingestCookieAuth"  # one component name per class in the schema


# One row of a bulk body. Values are read leniently (a number or its text, as in a CSV), so
# the schema names the fields and leaves their checking to the ingest's row report.
MEASUREMENT_ROW = {
    "type": "object",
    "properties": {
        "metric": {"description": "metric code"},
        "period_start": {"description": "YYYY-MM-DD, aligned with the metric's frequency"},
        "department": {"description": "department code, or empty / null"},
        "channel": {"description": "channel code, or empty / null"},
        "source": {"description": "where the number comes from"},
        "value": {"description": "a finite number"},
        "sample_size": {"description": "a whole number >= 1 (default 1; required for mean metrics)"},
    },
}


class MeasurementBulkView(APIView):
    """Bulk upsert of measurements, all-or-nothing.

    Body: a JSON list of objects, or CSV (`Content-Type: text/csv`) with a header row, with
    fields `metric` (code), `period_start` (YYYY-MM-DD, aligned with the metric's frequency),
    `department` (code or empty), `channel` (code or empty), `source`, `value`,
    `sample_size` (default 1; required for mean metrics). Upserts on metric + period_start +
    department + channel + source. Any bad row: 400 with every bad row named, nothing
    written. Too many rows or bytes: 413."""

    permission_classes = [PortalApiPermission, IngestApiPermission]
    allow_system_accounts = True  # integrations may ingest, and nothing else
    checks_own_text = True  # every value is validated below: RejectNulMiddleware skips the body
    parser_classes: list = []  # the body is read as a stream below, not by DRF's parsers
    authentication_classes = [HashedTokenAuthentication, StreamSessionAuthentication]

    @extend_schema(
        request={
            "application/json": {
                "description": 'A list of measurement rows (or `{"rows": [...]}`); each row is checked.',
                "oneOf": [
                    {"type": "array", "items": MEASUREMENT_ROW},
                    {
                        "type": "object",
                        "properties": {"rows": {"type": "array", "items": MEASUREMENT_ROW}},
                        "required": ["rows"],
                    },
                ],
            },
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            200: inline_serializer(
                "IngestResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "periods_queued": serializers.DictField(child=serializers.ListField()),
                    "periods_queued_count": serializers.IntegerField(),
                },
            ),
            400: inline_serializer(
                "IngestErrors",
                {"errors": serializers.ListField(child=serializers.DictField())},
            ),
            413: OpenApiTypes.OBJECT,
            503: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Another ingest held the same rows; nothing was written: retry after "
                "the `Retry-After` seconds.",
            ),
        },
    )
    def post(self, request):
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.MEASUREMENT_UPLOAD_MAX_BYTES:
            return Response(
                {
                    "detail": f"The body is larger than {settings.MEASUREMENT_UPLOAD_MAX_BYTES} bytes; "
                    "split it."
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        # Read the body as a stream (not into .body): a million-row batch never sits in
        # memory twice, and Django's form-data size cap does not apply to it.
        raw = io.BufferedReader(_RequestStream(request._request), buffer_size=1 << 20)
        try:
            if content_type in ("text/csv", "application/csv"):
                result = ingest.measurements_ingest_csv(raw, by=request.user)
            elif content_type in ("application/json", ""):
                rows = ingest.rows_from_json(
                    io.TextIOWrapper(raw, encoding=ingest.TEXT_ENCODING, errors="strict")
                )
                result = ingest.measurements_ingest(rows=rows, by=request.user, csv_mode=False)
            else:
                return Response(
                    {
                        "detail": f"Unsupported content type {content_type!r}: "
                        "send application/json or text/csv."
                    },
                    status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                )
        except ingest.BatchTooLarge as exc:
            return Response(
                {"detail": f"A batch may hold at most {exc.limit} rows; split it."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        except OperationalError as exc:
            if not ingest.is_retryable(exc):
                raise
            # Batches merge in key order, so two never deadlock on rows; should the database
            # still pick this one as a victim, nothing was written: say so, and when to retry.
            return Response(
                {"detail": "Another ingest held the same rows; nothing was written. Retry the batch."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "1"},
            )
        except (ingest.BadPayload, UnicodeDecodeError) as exc:
            message = str(exc) if isinstance(exc, ingest.BadPayload) else "the body is not UTF-8 text"
            return Response({"errors": [{"row": None, "field": None, "message": message}]}, status=400)
        answer = Response(result.as_dict(), status=200 if result.ok else status.HTTP_400_BAD_REQUEST)
        if result.timings:
            # Where the time went (receive, parse_copy, validate, merge, dirty, commit, …),
            # in the standard header a client or the bench reads.
            answer["Server-Timing"] = ", ".join(
                f"{name.replace('+', '-')};dur={seconds * 1000:.1f}"
                for name, seconds in result.timings.items()
            )
        return answer


class SnapshotSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="metric.code")
    period = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()

    class Meta:
        model = RollupSnapshot
        fields = [
            "metric",
            "period",
            "scope",
            "actual",
            "target",
            "baseline",
            "own_score",
            "driven_score",
            "status",
            "gap",
            "value_at_stake",
            "computed_at",
        ]

    def get_period(self, obj) -> str:
        return selectors.period_label(obj.period_kind, obj.period_start)

    def get_scope(self, obj) -> str:
        # The view builds the labels once per request (two queries), not once per row.
        labels = self.context["scope_labels"]
        return labels.get((obj.scope_kind, obj.scope_id), f"{obj.scope_kind}:{obj.scope_id}")


@extend_schema(parameters=FILTERS)
class SnapshotViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Computed snapshots, filtered by
    `?metric=<code>&period=2025-03|2025-Q1|2025&scope=org|dept:<code>|channel:<code>`."""

    serializer_class = SnapshotSerializer
    permission_classes = [PortalApiPermission]

    def get_queryset(self):
        params = _checked(self.request.query_params)
        period = selectors.parse_period(params["period"]) if params.get("period") else None
        scope = selectors.parse_scope(params["scope"]) if params.get("scope") else None
        return selectors.snapshots(metric=params.get("metric") or None, period=period, scope=scope)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema pass: no rows
            context["scope_labels"] = selectors.scope_labels()
        return context


class SummaryView(APIView):
    """Cost of not improving and status counts by level for a period and scope."""

    permission_classes = [PortalApiPermission]

    @extend_schema(
        parameters=FILTERS[1:],
        responses=inline_serializer(
            "Summary",
            {
                "period": serializers.CharField(),
                "scope": serializers.CharField(),
                "cost_of_not_improving": serializers.FloatField(allow_null=True),
                "status_counts": serializers.DictField(
                    child=serializers.DictField(child=serializers.IntegerField())
                ),
            },
        ),
    )
    def get(self, request):
        period = selectors.parse_period(_checked(request.query_params).get("period"))
        scope = selectors.parse_scope(request.query_params.get("scope"))
        return Response(selectors.summary(period, scope))


class HierarchyRowSerializer(serializers.Serializer):
    path = serializers.ListField(child=serializers.CharField(), help_text="metric codes from the top down")
    metric = serializers.CharField()
    top = serializers.CharField()
    value_at_stake_along_path = serializers.FloatField(allow_null=True)
    impact_on_top = serializers.FloatField(help_text="product of the impacts along the path (1 for the top)")
    actual = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    status = serializers.CharField()


class HierarchyView(APIView):
    """The hierarchy as the page shows it: one row per path from a money top down to each
    metric beneath it (DESIGN §4 item 9, "Value at stake along a path"). The rows that
    extend a path by one metric add up to its value. Without `period`: the last closed
    month."""

    permission_classes = [PortalApiPermission]

    @extend_schema(
        parameters=FILTERS[1:],
        responses=inline_serializer(
            "Hierarchy",
            {
                "period": serializers.CharField(),
                "scope": serializers.CharField(),
                "rows": HierarchyRowSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        text = _checked(request.query_params).get("period")
        period = selectors.parse_period(text) if text else last_closed_month()
        scope = selectors.parse_scope(request.query_params.get("scope"))
        return Response(
            {"period": str(period), "scope": scope.label, "rows": selectors.hierarchy_rows(period, scope)}
        )


class LinkEvidenceSerializer(serializers.Serializer):
    child = serializers.CharField(help_text="the driver's metric code")
    parent = serializers.CharField(help_text="the parent's metric code")
    stated_impact = serializers.FloatField(help_text="the link's impact (per month for a sum parent)")
    estimate = serializers.FloatField(allow_null=True, help_text="fitted change of the parent per +1 unit")
    std_error = serializers.FloatField(allow_null=True)
    interval_low = serializers.FloatField(allow_null=True, help_text="95 % interval (Student's t), low end")
    interval_high = serializers.FloatField(allow_null=True, help_text="95 % interval (Student's t), high end")
    r_squared = serializers.FloatField(allow_null=True, help_text="within-group R² of the parent's fit")
    observations = serializers.IntegerField(help_text="(department, month) cells or organisation months")
    groups = serializers.IntegerField(help_text="departments pooled (1 for the organisation's months)")
    scope_kind = serializers.ChoiceField(choices=DriverEvidence.Scope.choices, allow_null=True)
    verdict = serializers.ChoiceField(
        choices=DriverEvidence.Verdict.choices,
        allow_null=True,
        help_text="null only before the first computation after a roll-up",
    )


class LinkEvidenceView(APIView):
    """Driver evidence (DESIGN §4 item 13): how well the organisation's own monthly actuals
    support each stated impact into one parent — one row per incoming link. An
    association, not proof of cause. Recomputed after each roll-up."""

    permission_classes = [PortalApiPermission]

    @extend_schema(
        parameters=[OpenApiParameter("parent", OpenApiTypes.STR, required=True, description="metric code")],
        responses=LinkEvidenceSerializer(many=True),
    )
    def get(self, request):
        code = request.query_params.get("parent")
        if not code:
            raise ValidationError({"parent": ["Give the parent metric's code: ?parent=CODE."]})
        parent = Metric.objects.filter(code=code).first()
        if parent is None:
            raise NotFound(f"No metric {code!r}.")
        rows = [evidence_row(link, row) for link, row in stored_for_parent(parent)]
        return Response(LinkEvidenceSerializer(rows, many=True).data)


class RollupRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = RollupRun
        fields = ["id", "mode", "state", "created_at", "started_at", "finished_at", "stats", "error"]


class RollupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Roll-up runs. POST queues a full roll-up (CX leader); GET shows progress."""

    serializer_class = RollupRunSerializer
    permission_classes = [PortalApiPermission, RollupApiPermission]
    queryset = RollupRun.objects.all()

    @extend_schema(request=None, responses={202: RollupRunSerializer})
    def create(self, request):
        run = request_full_rollup(by=request.user)
        run.refresh_from_db()
        return Response(RollupRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
