"""Who may see and change organisation objects (DESIGN §6): everyone signed in reads
departments and channels; only the CX leader edits them or manages people."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from apps.core import roles

from .models import ApiToken, Channel, Department, User


def can_edit_organisation(user) -> bool:
    return roles.is_cx_leader(user)


def can_manage_people(user) -> bool:
    return roles.is_cx_leader(user)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_department_for_edit(user, pk) -> Department:
    department = get_object_or_404(Department, pk=pk)
    require(can_edit_organisation(user))
    return department


def get_channel_for_edit(user, pk) -> Channel:
    channel = get_object_or_404(Channel, pk=pk)
    require(can_edit_organisation(user))
    return channel


def get_person_for_edit(user, pk) -> User:
    require(can_manage_people(user))
    return get_object_or_404(User, pk=pk)


def get_token_for_revoke(user, pk) -> ApiToken:
    """A user revokes their own tokens; the CX leader also those of system accounts."""
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if token.user_id == user.pk or (token.user.is_system and roles.is_cx_leader(user)):
        return token
    raise PermissionDenied


class OrganisationApiPermission:
    """DRF: everyone signed in reads; the CX leader writes."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return can_edit_organisation(request.user)

    def has_object_permission(self, request, view, obj):
        return self.has_permission(request, view)
