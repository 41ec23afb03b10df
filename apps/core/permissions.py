"""The permission helpers every app's permissions.py uses."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404


def require(allowed: bool, message: str = "") -> None:
    """Refuse the request (403) unless `allowed`; `message` says what was refused."""
    if not allowed:
        raise PermissionDenied(message)


def get_allowed(queryset, allowed: Callable[[object], bool], message: str = "", **lookup):
    """The object `lookup` names (404 when there is none), refused (403) unless
    `allowed(obj)`: the shape of every `get_*_for_edit(user, pk)` getter. `message` says
    who may (the 403 page shows it)."""
    obj = get_object_or_404(queryset, **lookup)
    require(allowed(obj), message)
    return obj
