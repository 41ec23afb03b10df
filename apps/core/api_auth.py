"""API authentication and the API-wide permission rule for system accounts."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`), matched by SHA-256 so the
    database never holds a usable key."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        from apps.organization.models import ApiToken, hash_token

        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        # Record use at most once a minute: a bulk client must not write on every call.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


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
