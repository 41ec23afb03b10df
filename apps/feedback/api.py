"""Feedback API: create one item, create a batch (JSON or CSV), list and read.

Same standard as the measurement ingest: all-or-nothing, every bad row named, a resend of
(source, external id) changes nothing and says so, hostile input a 4xx with a precise body."""

import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api_auth import PortalApiPermission
from apps.core.filters import Backend
from apps.metrics.api import _RequestStream

from . import ingest
from .filters import FeedbackFilter
from .models import FeedbackItem
from .permissions import FeedbackApiPermission

MAX_BYTES = 32 * 1024 * 1024


class FeedbackSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    departments = serializers.SerializerMethodField()

    class Meta:
        model = FeedbackItem
        fields = [
            "id",
            "source",
            "external_id",
            "received_at",
            "channel",
            "customer_ref",
            "may_contact",
            "text",
            "rating",
            "topic",
            "sentiment",
            "status",
            "closure_reason",
            "closed_at",
            "informed_at",
            "possible_duplicate_of",
            "departments",
        ]
        read_only_fields = fields

    def get_departments(self, obj) -> list[str]:
        return sorted(r.department.code for r in obj.routings.all() if r.ended_at is None)


def _result(result):
    if not result.ok:
        return Response(result.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    return Response(
        result.as_dict(), status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    )


FEEDBACK_INGEST_RESULT = inline_serializer(
    "FeedbackIngestResult",
    {
        "created": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "ids": serializers.ListField(child=serializers.IntegerField()),
        "already_received": serializers.ListField(child=serializers.DictField()),
    },
)


# What a write answers, in the schema as in the code (_result): 201 when it created an item,
# 200 when every row had already been received (or the list was empty), 400 naming each bad row.
INGEST_RESPONSES = {
    201: OpenApiResponse(FEEDBACK_INGEST_RESULT, description="At least one item was created (`ids`)."),
    200: OpenApiResponse(
        FEEDBACK_INGEST_RESULT,
        description="Nothing created: every row had already been received (`already_received`), "
        "or the list was empty.",
    ),
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description='Nothing written: `{"errors": [{"row", "field", "message"}]}`.'
    ),
}


class FeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Feedback items (read for everyone signed in). `POST` one item: the fields of the bulk
    endpoint; 201 with its id, or 200 saying it was already received."""

    serializer_class = FeedbackSerializer
    permission_classes = [PortalApiPermission, FeedbackApiPermission]
    allow_system_accounts = True  # integrations may create (the permission class refuses their reads)
    parser_classes = [JSONParser]
    filter_backends = [Backend]
    filterset_class = FeedbackFilter

    def get_queryset(self):
        qs = FeedbackItem.objects.select_related("channel").prefetch_related("routings__department")
        return qs.order_by("-received_at", "-pk")

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=INGEST_RESPONSES,
    )
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            return Response(
                {"errors": [{"row": None, "field": None, "message": "expected one JSON object"}]}, status=400
            )
        return _result(ingest.feedback_ingest(rows=[request.data], by=request.user))


class FeedbackBulkView(APIView):
    """A batch of feedback items, all-or-nothing: a JSON list (or {"items": [...]}) or CSV
    (`Content-Type: text/csv`) with a header row. Fields: source, external_id, received_at
    (ISO date-time), channel (code), customer_reference, may_contact, text, rating (0–10),
    topic, sentiment. 400 `{"errors": [{"row", "field", "message"}]}`; 413 beyond
    FEEDBACK_BATCH_LIMIT items; a row already received is listed in `already_received`."""

    permission_classes = [PortalApiPermission, FeedbackApiPermission]
    allow_system_accounts = True
    parser_classes: list = []

    @extend_schema(
        request={
            "application/json": {
                "description": 'A list of feedback items (or `{"items": [...]}`); each item is checked.',
                "oneOf": [
                    {"type": "array", "items": {"type": "object"}},
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": {"type": "object"}}},
                        "required": ["items"],
                    },
                ],
            },
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            **INGEST_RESPONSES,
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="More items or bytes than the limit."),
        },
    )
    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BYTES:
            return Response({"detail": f"The body is larger than {MAX_BYTES} bytes; split it."}, status=413)
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        raw = io.BufferedReader(_RequestStream(request._request), buffer_size=1 << 20)
        try:
            if content_type in ("text/csv", "application/csv"):
                stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
                result = ingest.feedback_ingest(
                    rows=ingest.rows_from_csv(stream), by=request.user, csv_mode=True
                )
            elif content_type in ("application/json", ""):
                rows = ingest.rows_from_json(io.TextIOWrapper(raw, encoding="utf-8", errors="strict"))
                result = ingest.feedback_ingest(rows=rows, by=request.user)
            else:
                return Response(
                    {
                        "detail": f"Unsupported content type {content_type[:60]!r}: "
                        "send application/json or text/csv."
                    },
                    status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                )
        except ingest.BatchTooLarge as exc:
            return Response({"detail": f"A batch may hold at most {exc.limit} items; split it."}, status=413)
        except (ingest.BadPayload, UnicodeDecodeError) as exc:
            message = str(exc) if isinstance(exc, ingest.BadPayload) else "the body is not UTF-8 text"
            return Response({"errors": [{"row": None, "field": None, "message": message}]}, status=400)
        return _result(result)
