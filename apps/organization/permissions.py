"""Who may see and change organisation objects (DESIGN §6): everyone signed in reads
departments and channels; only the CX leader edits them or manages people."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from apps.core import roles
from apps.core.permissions import get_allowed, require

from .models import ApiToken, Channel, Department, User


def can_edit_organisation(user) -> bool:
    return roles.is_cx_leader(user)


def can_manage_people(user) -> bool:
    return roles.is_cx_leader(user)


def get_department_for_edit(user, pk) -> Department:
    return get_allowed(
        Department,
        lambda _department: can_edit_organisation(user),
        _("Only the CX leader edits departments."),
        pk=pk,
    )


def get_channel_for_edit(user, pk) -> Channel:
    return get_allowed(
        Channel, lambda _channel: can_edit_organisation(user), _("Only the CX leader edits channels."), pk=pk
    )


def get_person_for_edit(user, pk) -> User:
    # Refused before looked up: who may not manage people learns nothing of who exists.
    require(can_manage_people(user), _("Only the CX leader manages people and their roles."))
    return get_object_or_404(User, pk=pk)


def can_revoke_token(user, token: ApiToken) -> bool:
    """A user revokes their own tokens; the CX leader also those of system accounts."""
    return token.user_id == user.pk or (token.user.is_system and roles.is_cx_leader(user))


def get_token_for_revoke(user, pk) -> ApiToken:
    tokens = ApiToken.objects.select_related("user")
    return get_allowed(
        tokens,
        lambda token: can_revoke_token(user, token),
        _("You may revoke only your own tokens (the CX leader: system accounts' too)."),
        pk=pk,
    )


class OrganisationApiPermission:
    """DRF: everyone signed in reads; the CX leader writes."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return can_edit_organisation(request.user)

    def has_object_permission(self, request, view, obj):
        return self.has_permission(request, view)
