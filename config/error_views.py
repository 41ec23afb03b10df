"""Error responses that Django builds outside any view (handler400)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults


def bad_request(request, exception=None):
    """A refused request under /api/ answers JSON like the rest of the API, never the HTML
    error page: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (a 3 MB field in a PATCH) is a 413."""
    if request.path_info.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return JsonResponse({"detail": f"The request body is larger than {limit} bytes."}, status=413)
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)
