"""Bonus plans API: drafts with nested components and participants (CX leader), approve
and send back (executives), close (CX leader); results read, permission-filtered.
400 with field errors for bad input, 409 on a stale version."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.core.api import ServiceViewSet
from apps.core.api_auth import PortalApiPermission
from apps.core.filters import Backend, IdFilter, SelectorFilterSet
from apps.core.validators import PersonByEmailField, PortalModelSerializer, StrictCharField
from apps.metrics.models import Metric
from apps.organization.models import Department, User

from . import money, permissions, selectors, services
from .models import IncentivePlan, PayoutResult, PlanComponent

SCOPES = {"organisation": PlanComponent.Scope.ORGANISATION, "department": PlanComponent.Scope.DEPARTMENT}


class IncentiveComponentSerializer(serializers.Serializer):
    metric = serializers.SlugRelatedField(slug_field="code", queryset=Metric.objects.filter(archived=False))
    scope = serializers.ChoiceField(choices=list(SCOPES), default="organisation")
    weight = serializers.FloatField(default=1.0)
    threshold = serializers.FloatField()
    target = serializers.FloatField()
    maximum = serializers.FloatField()
    threshold_percent = serializers.FloatField(required=False)
    target_percent = serializers.FloatField(required=False)
    maximum_percent = serializers.FloatField(required=False)


class IncentiveParticipantSerializer(serializers.Serializer):
    participant = PersonByEmailField(
        source="person", queryset=User.objects.filter(is_active=True, is_system=False)
    )
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(archived=False), required=False, allow_null=True
    )
    target_bonus = serializers.FloatField(min_value=0)
    cx_share = serializers.FloatField(min_value=0, max_value=100)
    # `from` and `to` are Python keywords: declared through the class namespace.
    locals()["from"] = serializers.DateField(source="from_date", required=False)
    locals()["to"] = serializers.DateField(source="to_date", required=False)


class IncentivePlanSerializer(PortalModelSerializer):
    components = IncentiveComponentSerializer(many=True, required=False)
    participants = IncentiveParticipantSerializer(many=True, required=False)
    author = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    closed_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = IncentivePlan
        fields = [
            "id",
            "name",
            "period",
            "status",
            "version",
            "author",
            "submitted_at",
            "sent_back_reason",
            "approved_by",
            "approved_at",
            "closed_by",
            "closed_at",
            "components",
            "participants",
        ]
        read_only_fields = [
            "id",
            "status",
            "submitted_at",
            "sent_back_reason",
            "approved_at",
            "closed_at",
        ]

    def to_representation(self, plan):
        user = self.context["request"].user
        components = [
            {
                "metric": c.metric.code,
                "scope": "department" if c.scope == PlanComponent.Scope.DEPARTMENT else "organisation",
                "weight": c.weight,
                "threshold": c.threshold,
                "target": c.target,
                "maximum": c.maximum,
                "threshold_percent": c.threshold_percent,
                "target_percent": c.target_percent,
                "maximum_percent": c.maximum_percent,
            }
            for c in plan.components.all()
        ]
        # Terms of participants are payout figures: others see only their own row.
        sees_all = permissions.sees_all_payouts(user)
        participants = [
            {
                "participant": p.person.email,
                "department": p.department.code if p.department else None,
                "target_bonus": p.target_bonus,
                "cx_share": p.cx_share,
                "from": p.from_date,
                "to": p.to_date,
            }
            for p in plan.participants.all()
            if sees_all or p.person_id == user.pk
        ]
        return {
            "id": plan.pk,
            "name": plan.name,
            "period": plan.period,
            "status": plan.status,
            "version": plan.version,
            "author": plan.author.email if plan.author else None,
            "submitted_at": plan.submitted_at,
            "sent_back_reason": plan.sent_back_reason,
            "approved_by": plan.approved_by.email if plan.approved_by else None,
            "approved_at": plan.approved_at,
            "closed_by": plan.closed_by.email if plan.closed_by else None,
            "closed_at": plan.closed_at,
            "components": components,
            "participants": serializers.ListField().to_representation(participants),
        }


def _nested(data: dict) -> dict:
    out = dict(data)
    if "components" in out:
        out["components"] = [{**c, "scope": SCOPES[c["scope"]]} for c in out["components"]]
    if "participants" in out:
        out["participants"] = [dict(p) for p in out["participants"]]
    return out


class IncentiveVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


class IncentiveSendBackSerializer(IncentiveVersionSerializer):
    reason = StrictCharField(max_length=2000)


class IncentivePlanViewSet(ServiceViewSet):
    """Bonus plans: everyone reads the plans they may see; the CX leader writes drafts."""

    serializer_class = IncentivePlanSerializer
    permission_classes = [PortalApiPermission, permissions.PlanApiPermission]

    def get_queryset(self):
        return (
            permissions.plans_visible_to(self.request.user)
            .select_related("author", "approved_by", "closed_by")
            .prefetch_related("components__metric", "participants__person", "participants__department")
            .order_by("pk")
        )

    def create_service(self, **data):
        return services.plan_create(**_nested(data))

    def update_service(self, plan, **data):
        return services.plan_update(plan=plan, **_nested(data))

    def _state_change(self, request, allowed: bool, service, serializer_class=IncentiveVersionSerializer):
        plan = self.get_object()
        if not allowed(plan):
            raise PermissionDenied()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        service(plan=plan, by=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(request=IncentiveVersionSerializer, responses=IncentivePlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._state_change(
            request, lambda p: permissions.can_submit(request.user, p), services.plan_submit
        )

    @extend_schema(request=IncentiveVersionSerializer, responses=IncentivePlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._state_change(
            request,
            lambda p: permissions.can_decide(request.user, p) and services.may_approve(p, request.user),
            services.plan_approve,
        )

    @extend_schema(request=IncentiveSendBackSerializer, responses=IncentivePlanSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._state_change(
            request,
            lambda p: permissions.can_decide(request.user, p),
            services.plan_send_back,
            IncentiveSendBackSerializer,
        )

    @extend_schema(request=IncentiveVersionSerializer, responses=IncentivePlanSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._state_change(
            request, lambda p: permissions.can_close(request.user, p), services.plan_close
        )


class IncentiveResultSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.person.email")
    department = serializers.SerializerMethodField()
    period = serializers.CharField(source="plan.period")
    components = serializers.SerializerMethodField()
    cx_bonus = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = PayoutResult
        fields = [
            "participant",
            "department",
            "plan",
            "period",
            "provisional",
            "components",
            "attainment",
            "cx_bonus",
            "currency",
        ]

    def get_department(self, result) -> str | None:
        department = result.participant.department
        return department.code if department else None

    def get_components(self, result) -> list[dict]:
        return [
            {
                "metric": c.component.metric.code,
                "scope": "department"
                if c.component.scope == PlanComponent.Scope.DEPARTMENT
                else "organisation",
                "actual": c.actual,
                "payout_percent": c.payout_percent,
                "weight": c.weight,
                "no_actual": c.actual is None,
            }
            for c in result.components.all()
        ]

    def get_cx_bonus(self, result) -> float:
        # Stored unrounded; exported rounded to the currency's minor unit.
        return float(money.rounded(result.cx_bonus))

    def get_currency(self, result) -> str:
        return money.currency()


class ResultFilter(SelectorFilterSet):
    """`plan` (an id), validated and documented; the queryset is already the plan's
    (selectors.results_for), so the filter itself is a no-op."""

    selector = staticmethod(lambda queryset, params: queryset)

    plan = IdFilter(help_text="plan id")

    class Meta:
        model = PayoutResult
        fields: list = []


class ResultViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """One row per participant the user may see (everyone's for the CX leader and
    executives; their own for anyone else)."""

    serializer_class = IncentiveResultSerializer
    filter_backends = [Backend]
    filterset_class = ResultFilter

    def get_queryset(self):
        plan = self.request.query_params.get("plan")
        plan_id = None
        if plan is not None:  # sent empty: a 400, like any other id that is not one
            try:
                plan_id = int(plan)
            except ValueError:
                raise serializers.ValidationError({"plan": ["A plan id (a whole number)."]}) from None
            if not -(2**63) < plan_id < 2**63:
                raise serializers.ValidationError({"plan": ["A plan id (a whole number)."]})
        return selectors.results_for(self.request.user, plan_id)
