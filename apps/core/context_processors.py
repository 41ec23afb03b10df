from django.conf import settings

from apps.core.registry import registry


def portal(request):
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_CURRENCY": settings.PORTAL_CURRENCY,
        # Filled in by each app's AppConfig.ready() (registry.add_nav).
        "nav": registry.navigation(user, main=True) if signed_in else [],
        "user_nav": registry.navigation(user, main=False) if signed_in else [],
    }
