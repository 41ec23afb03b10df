"""The API-wide permission rule for system accounts (token authentication itself is the
organisation app's: `apps.organization.api_auth`)."""

from rest_framework import permissions


class PortalApiPermission(permissions.IsAuthenticated):
    """Signed in, and a system account (integration) only where a view says it may
    ingest (`allow_system_accounts = True`)."""

    message = "System accounts may only ingest data."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(request.user, "is_system", False):
            return bool(getattr(view, "allow_system_accounts", False))
        return True
