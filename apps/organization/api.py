from rest_framework import serializers

from apps.core.api import ServiceViewSet
from apps.core.api_auth import PortalApiPermission
from apps.core.text import validate_single_line
from apps.core.validators import PortalModelSerializer

from . import services
from .models import Channel, Department
from .permissions import OrganisationApiPermission


class DepartmentSerializer(PortalModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "parent", "archived", "version"]
        read_only_fields = ["id", "archived"]
        extra_kwargs = {"name": {"validators": [validate_single_line]}}


class ChannelSerializer(PortalModelSerializer):
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Channel
        fields = ["id", "code", "name", "archived", "version"]
        read_only_fields = ["id", "archived"]
        extra_kwargs = {"name": {"validators": [validate_single_line]}}


class _OrganisationViewSet(ServiceViewSet):
    """Read for everyone signed in; create and edit (with the version) for the CX leader.
    Addressed by code; nothing is deleted (archive from the pages)."""

    permission_classes = [PortalApiPermission, OrganisationApiPermission]
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"


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
