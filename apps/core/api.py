"""The shape every writable API viewset shares: reads through the queryset, writes
through the app's services (one door), updates carrying the version they were read at."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response


class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Subclasses define `create_service(by=..., **data)` and `update_service(obj, by=...,
    version=..., **data)`; a missing version is a 400, a stale one a 409 (StaleEdit)."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        obj = self.create_service(by=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=201)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required to update."]})
        version = data.pop("version")
        obj = self.update_service(obj, by=request.user, version=version, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)

    def create_service(self, **data):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def update_service(self, obj, **data):  # pragma: no cover - defined by subclasses
        raise NotImplementedError
