from django.conf import settings

from apps.core.registry import registry


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_CURRENCY": settings.PORTAL_CURRENCY,
        # Filled in by each app's AppConfig.ready() (registry.add_nav).
        "nav": registry.navigation(user) if user is not None and user.is_authenticated else [],
    }
