from django.conf import settings

from apps.core import roles


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_CURRENCY": settings.PORTAL_CURRENCY,
        "nav": roles.navigation_for(user) if user is not None and user.is_authenticated else [],
    }
