"""Committees and reviews with agenda, notes and decisions (read only), and a decision's
status (its owner; before close, those who run the review)."""

from django.db import transaction
from rest_framework import mixins, serializers, viewsets

from apps.core.api import ServiceViewSet
from apps.core.api_auth import PortalApiPermission
from apps.core.filters import Backend

from . import services
from .filters import ReviewFilter
from .models import AgendaItem, Committee, Decision, Review, ReviewNote
from .permissions import DecisionApiPermission, ReadOnlyApi


class CommitteeSerializer(serializers.ModelSerializer):
    chair = serializers.SlugRelatedField(slug_field="email", read_only=True)
    secretary = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    members = serializers.SlugRelatedField(slug_field="email", many=True, read_only=True)
    scope_metrics = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    scope_departments = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Committee
        fields = [
            "id",
            "name",
            "kind",
            "charter",
            "chair",
            "secretary",
            "members",
            "cadence",
            "scope_metrics",
            "scope_departments",
            "archived",
        ]


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = ReviewNote
        fields = ["author", "created_at", "text"]


class DecisionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    owner_department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "kind",
            "text",
            "owner",
            "owner_department",
            "due",
            "status",
            "done_at",
            "linked_plan",
            "proposal",
            "version",
        ]


class ItemSerializer(serializers.ModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    notes = NoteSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "order",
            "kind",
            "title",
            "reason",
            "metric",
            "plan",
            "follow_up",
            "value_at_stake",
            "figures",
            "notes",
            "decisions",
        ]


class ReviewSerializer(serializers.ModelSerializer):
    attendees = serializers.SlugRelatedField(slug_field="email", many=True, read_only=True)
    agenda = ItemSerializer(source="items", many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "committee",
            "scheduled_for",
            "status",
            "opened_at",
            "closed_at",
            "attendees",
            "agenda",
        ]


class CommitteeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitteeSerializer
    permission_classes = [PortalApiPermission, ReadOnlyApi]

    def get_queryset(self):
        return (
            Committee.objects.select_related("chair", "secretary")
            .prefetch_related("members", "scope_metrics", "scope_departments")
            .order_by("name")
        )


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReviewSerializer
    permission_classes = [PortalApiPermission, ReadOnlyApi]
    filter_backends = [Backend]
    filterset_class = ReviewFilter

    def get_queryset(self):
        qs = Review.objects.prefetch_related(
            "attendees",
            "items__metric",
            "items__notes__author",
            "items__decisions__owner",
            "items__decisions__owner_department",
        ).order_by("-scheduled_for", "-pk")
        return qs


class DecisionStatusSerializer(DecisionSerializer):
    """A decision as `PATCH /decisions/{id}/` reads and answers it: only `status` (and the
    `version` read) are written; done_at follows the status."""

    status = serializers.ChoiceField(choices=Decision.Status.choices)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta(DecisionSerializer.Meta):
        read_only_fields = [f for f in DecisionSerializer.Meta.fields if f not in ("status", "version")]


class DecisionViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """One decision: everyone signed in reads it; its owner sets its status, and before the
    review closes so do those who run the review (DESIGN §3, §6). PATCH only, with the
    `version` read (409 when stale)."""

    serializer_class = DecisionStatusSerializer
    permission_classes = [PortalApiPermission, DecisionApiPermission]
    http_method_names = ["get", "patch", "head", "options"]
    update = ServiceViewSet.update

    def get_queryset(self):
        return Decision.objects.select_related(
            "owner", "owner_department", "item__review__committee"
        ).order_by("pk")

    @transaction.atomic
    def update_service(self, decision, *, by, version, status=None):
        if status is None:  # a PATCH of the version alone: nothing to change
            status = decision.status
        return services.decision_set_status(decision=decision, by=by, version=version, status=status)
