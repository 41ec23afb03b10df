"""Action plans API: plans with milestones and updates; the version is required on update
(409 with the current version when stale)."""

from rest_framework import serializers

from apps.core.api import ServiceViewSet
from apps.core.api_auth import PortalApiPermission
from apps.core.filters import Backend
from apps.core.text import validate_single_line
from apps.core.validators import FiniteFloatField, PersonByEmailField
from apps.organization.models import Department, User

from . import selectors, services
from .filters import PlanFilter
from .models import ActionPlan, Milestone, ProgressUpdate
from .permissions import PlanApiPermission


class MilestoneSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = ["id", "title", "owner", "due", "done_at", "weight", "version"]


class UpdateSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["created_at", "author", "rag", "percent", "text"]


class PlanSerializer(serializers.ModelSerializer):
    owner = PersonByEmailField(queryset=User.objects.filter(is_active=True), allow_null=True, required=False)
    owner_department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())
    contributing_departments = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), many=True, required=False
    )
    cost_estimate = FiniteFloatField(allow_null=True, required=False, min_value=0)
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
        extra_kwargs = {"title": {"validators": [validate_single_line]}}

    def get_expected_impacts(self, obj) -> list[dict]:
        return [{"metric": i.metric.code, "expected_change": i.expected_change} for i in obj.impacts.all()]


class PlanViewSet(ServiceViewSet):
    """Action plans (DESIGN §6: the CX leader and the owner department's head write)."""

    serializer_class = PlanSerializer
    permission_classes = [PortalApiPermission, PlanApiPermission]
    filter_backends = [Backend]
    filterset_class = PlanFilter

    def get_queryset(self):
        qs = selectors.plans_annotated().prefetch_related(
            "milestones__owner", "updates__author", "impacts__metric"
        )
        return qs.order_by("pk")

    def create_service(self, **data):
        return services.plan_create(**data)

    def update_service(self, plan, **data):
        return services.plan_update(plan=plan, **data)
