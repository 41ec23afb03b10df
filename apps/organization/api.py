from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from apps.core.api_auth import PortalApiPermission

from . import services
from .models import Channel, Department
from .permissions import OrganisationApiPermission


class DepartmentSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "parent", "archived", "version"]
        read_only_fields = ["id", "archived"]


class ChannelSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Channel
        fields = ["id", "code", "name", "archived", "version"]
        read_only_fields = ["id", "archived"]


class _OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Read for everyone signed in; create and edit (with the version) for the CX leader.
    Addressed by code; nothing is deleted (archive from the pages)."""

    permission_classes = [PortalApiPermission, OrganisationApiPermission]
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        obj = self.create_service(by=request.user, **data)
        return Response(self.get_serializer(obj).data, status=201)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required to update."]})
        version = data.pop("version")
        obj = self.update_service(obj, by=request.user, version=version, **data)
        return Response(self.get_serializer(obj).data)


class DepartmentViewSet(_OrganisationViewSet):
    queryset = Department.objects.select_related("parent").order_by("code")
    serializer_class = DepartmentSerializer

    def create_service(self, **data):
        return services.department_create(**data)

    def update_service(self, obj, **data):
        return services.department_update(department=obj, **data)


class ChannelViewSet(_OrganisationViewSet):
    queryset = Channel.objects.order_by("code")
    serializer_class = ChannelSerializer

    def create_service(self, **data):
        return services.channel_create(**data)

    def update_service(self, obj, **data):
        return services.channel_update(channel=obj, **data)
