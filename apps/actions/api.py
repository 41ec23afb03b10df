"""Action plans API: plans with milestones and updates, and a milestone's own update (re-plan
it, tick it off); the version is required on update (409 with the current version when
stale)."""

from django.db import transaction
from django.utils import timezone
from rest_framework import mixins, serializers, viewsets

from apps.core.api import ServiceViewSet
from apps.core.api_auth import PortalApiPermission
from apps.core.filters import Backend
from apps.core.text import validate_single_line
from apps.core.validators import FiniteFloatField, PersonByEmailField, PortalModelSerializer
from apps.organization.models import Department, User

from . import selectors, services
from .filters import PlanFilter
from .models import ActionPlan, Milestone, ProgressUpdate
from .permissions import MilestoneApiPermission, PlanApiPermission


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


class PlanSerializer(PortalModelSerializer):
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


class MilestoneUpdateSerializer(PortalModelSerializer):
    """A milestone as `PATCH /milestones/{id}/` reads and answers it: `done` ticks it off
    (or reopens it); title, owner, due and weight re-plan it."""

    plan = serializers.PrimaryKeyRelatedField(read_only=True)
    owner = PersonByEmailField(queryset=User.objects.filter(is_active=True), allow_null=True, required=False)
    weight = FiniteFloatField(required=False, help_text="greater than 0")
    done = serializers.BooleanField(
        required=False, help_text="true: done (done_at set now, or kept); false: open again"
    )
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Milestone
        fields = ["id", "plan", "title", "owner", "due", "weight", "done", "done_at", "version"]
        read_only_fields = ["id", "done_at"]
        extra_kwargs = {"title": {"validators": [validate_single_line]}}

    def to_representation(self, milestone):
        data = super().to_representation(milestone)
        data["done"] = milestone.done_at is not None
        return data


class MilestoneViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """One milestone: everyone signed in reads it; the CX leader and the head of the plan's
    department re-plan it; they and its owner tick it off (DESIGN §6). PATCH only, with
    the `version` read (409 when stale)."""

    serializer_class = MilestoneUpdateSerializer
    permission_classes = [PortalApiPermission, MilestoneApiPermission]
    http_method_names = ["get", "patch", "head", "options"]
    update = ServiceViewSet.update

    def get_queryset(self):
        return Milestone.objects.select_related("plan", "owner").order_by("pk")

    @transaction.atomic
    def update_service(self, milestone, *, by, version, done=None, **changes):
        if done is not None:
            changes["done_at"] = (milestone.done_at or timezone.now()) if done else None
        return services.milestone_update(milestone=milestone, by=by, version=version, **changes)
