import time
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user except views marked `login_not_required`
    (login, password reset, health check). The API answers 401 itself (DRF), so it
    is not redirected to the login page."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionTimeoutMiddleware:
    """Absolute session lifetime (the idle timeout is SESSION_COOKIE_AGE, refreshed
    on each request). A session older than SESSION_ABSOLUTE_SECONDS is ended."""

    KEY = "_session_started_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.setdefault(self.KEY, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def checks_own_text(view):
    """Mark a view (function or class) that validates every value of its body itself and
    answers in its own error format: RejectNulMiddleware leaves its body alone."""
    view.checks_own_text = True
    return view


class RejectNulMiddleware:
    """PostgreSQL text cannot hold a NUL character: a query parameter or a small JSON or
    form body carrying one would reach a lookup and fail as a server error. Refuse it
    here, once, with a 400. (A view marked `checks_own_text`, e.g. the bulk ingest, checks
    every value of its body itself.)"""

    SMALL_BODY = 1024 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return self._refuse(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if self._checks_own_text(view_func):
            return None
        content_type = request.META.get("CONTENT_TYPE", "")
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        # API form bodies too (multipart included: the API takes fields there, not files; a
        # page's upload may be a binary file, checked by its own reader).
        kinds = ("application/json", "application/x-www-form-urlencoded")
        if request.path_info.startswith("/api/"):
            kinds += ("multipart/form-data",)
        if 0 < length <= self.SMALL_BODY and content_type.startswith(kinds):
            body = request.body
            if b"\x00" in body or b"\\u0000" in body or b"%00" in body:
                return self._refuse(request)
        return None

    @staticmethod
    def _checks_own_text(view_func) -> bool:
        # A DRF class-based view keeps its class on the function as `.cls`.
        return bool(
            getattr(view_func, "checks_own_text", False)
            or getattr(getattr(view_func, "cls", None), "checks_own_text", False)
        )

    @staticmethod
    def _refuse(request):
        message = "Text may not contain NUL (\\u0000) characters."
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message)
