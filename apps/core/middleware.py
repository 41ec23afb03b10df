import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
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
