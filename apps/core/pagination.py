"""The API's pagination (DEFAULT_PAGINATION_CLASS). Its own module: DRF imports it while
its viewsets module is still loading, so it may import nothing that imports viewsets."""

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """DRF's page numbers, held to what the schema says: `page` is a whole number from 1. Sent
    empty or as anything else it is a 400 naming it (DRF read an empty one as page 1); past
    the last page it is DRF's 404 — both with the portal's JSON error body."""

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise serializers.ValidationError({self.page_query_param: ["A page number: 1, 2, 3 …"]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
