"""Action plans API: plans with milestones and updates; the version is required on update
(409 with the current version when stale)."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from apps.core.api_auth import PortalApiPermission
from apps.organization.models import Department, User

from . import selectors, services
from .models import ActionPlan, Milestone, ProgressUpdate
from .permissions import PlanApiPermission, can_create_plan


class MilestoneSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "title", "owner", "due", "done_at", "weight", "version"]


class UpdateSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["created_at", "author", "rag", "percent", "text"]


class PlanSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="email", queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    owner_department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())
    contributing_departments = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), many=True, required=False
    )
    cost_estimate = serializers.FloatField(allow_null=True, required=False, min_value=0)
    version = serializers.IntegerField(required=False, min_value=1)
    progress = serializers.FloatField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(source="overdue_flag", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    updates = UpdateSerializer(many=True, read_only=True)
    expected_impacts = serializers.SerializerMethodField()

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "title",
            "problem_statement",
            "owner",
            "owner_department",
            "contributing_departments",
            "status",
            "start",
            "due",
            "cost_estimate",
            "effort",
            "version",
            "progress",
            "overdue",
            "milestones",
            "updates",
            "expected_impacts",
        ]
        read_only_fields = ["id"]

    def get_expected_impacts(self, obj) -> list[dict]:
        return [{"metric": i.metric.code, "expected_change": i.expected_change} for i in obj.impacts.all()]


class PlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Action plans (DESIGN §6: the CX leader and the owner department's head write)."""

    serializer_class = PlanSerializer
    permission_classes = [PortalApiPermission, PlanApiPermission]

    def get_queryset(self):
        qs = selectors.plans_annotated().prefetch_related(
            "milestones__owner", "updates__author", "impacts__metric"
        )
        return selectors.filter_plans(qs, self.request.query_params).order_by("pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        if not can_create_plan(request.user, data["owner_department"].pk):
            self.permission_denied(request, message="You may create plans only for your own department.")
        plan = services.plan_create(by=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, status=201)

    def update(self, request, *args, **kwargs):
        plan = self.get_object()
        serializer = self.get_serializer(plan, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required to update."]})
        version = data.pop("version")
        moved = "owner_department" in data and data["owner_department"].pk != plan.owner_department_id
        if moved and not can_create_plan(request.user, data["owner_department"].pk):
            self.permission_denied(request, message="You may move plans only to your own department.")
        contributing = data.pop("contributing_departments", None)
        services.plan_update(
            plan=plan, by=request.user, version=version, contributing_departments=contributing, **data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)
