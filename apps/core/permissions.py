"""The one permission helper every app's permissions.py uses."""

from django.core.exceptions import PermissionDenied


def require(allowed: bool, message: str = "") -> None:
    """Refuse the request (403) unless `allowed`; `message` says what was refused."""
    if not allowed:
        raise PermissionDenied(message)
