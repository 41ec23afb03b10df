from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.signals import log_permission_denied


@login_not_required
@never_cache
@require_safe
def health(request):
    """For load balancers: 200 when the app can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_POST
def language_set(request):
    """Store the signed-in user's language; it follows them to every device."""
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)


def _back_url(request) -> str:
    """Where the refused user came from, when it is this portal; else their home."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return "/"


def permission_denied(request, exception=None):
    """Says what the user tried, who may do it, and links back. An htmx request gets the
    same words as a fragment: portal.js shows them where the user acted."""
    message = str(exception or "")
    log_permission_denied(request, message)
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": message or "You do not have permission to perform this action."}, status=403
        )
    if request.method in ("GET", "HEAD"):
        tried = _("You tried to open %(path)s.") % {"path": request.path}
    else:
        tried = _("You tried to make a change at %(path)s.") % {"path": request.path}
    who = message or _("Your role does not allow this.")
    context = {"tried": tried, "who": who, "back_url": _back_url(request)}
    template = "core/_refusal.html" if getattr(request, "htmx", False) else "403.html"
    return render(request, template, context, status=403)


def page_not_found(request, exception=None):
    # Under /api/ every answer is JSON, also for a path no route matches (an id the route's
    # pattern refuses): the API's clients read the same body as DRF's own 404.
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)
