"""Role checks every app's permissions.py builds on (DESIGN §6).

A user may hold several role grants; a department head's grants name the departments
they head. Grants are read once per request and cached on the user object.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

CX_LEADER = "cx_leader"
EXECUTIVE = "executive"
DEPARTMENT_HEAD = "department_head"
CONTRIBUTOR = "contributor"

_CACHE_ATTR = "_cx_role_grants"


def _grants(user) -> frozenset[tuple[str, int | None]]:
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(user.role_grants.values_list("role", "department_id"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user) -> None:
    """Call after changing a user's grants within one request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_names(user) -> set[str]:
    return {role for role, _dept in _grants(user)}


def is_cx_leader(user) -> bool:
    return CX_LEADER in role_names(user)


def is_executive(user) -> bool:
    return EXECUTIVE in role_names(user)


def is_contributor(user) -> bool:
    return CONTRIBUTOR in role_names(user)


def headed_department_ids(user) -> set[int]:
    return {dept for role, dept in _grants(user) if role == DEPARTMENT_HEAD and dept is not None}


def is_head_of(user, department_id: int | None) -> bool:
    return department_id is not None and department_id in headed_department_ids(user)


def is_system_account(user) -> bool:
    return bool(getattr(user, "is_system", False))


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    visible: object  # callable(user) -> bool

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


def _everyone(user) -> bool:
    return not is_system_account(user)


# Apps add their pages here as they arrive; an entry whose URL does not exist yet
# is skipped, so the navigation never links to a page that is not there.
NAVIGATION: list[NavItem] = [
    NavItem(_("Overview"), "home", _everyone),
    NavItem(_("Hierarchy"), "metrics:hierarchy", _everyone),
    NavItem(_("Metrics"), "metrics:metric-list", _everyone),
    NavItem(_("Plans"), "actions:plan-list", _everyone),
    NavItem(_("Responsibility"), "actions:matrix", _everyone),
    NavItem(_("Committees"), "committees:committee-list", _everyone),
    NavItem(_("Upload"), "metrics:upload", lambda u: is_cx_leader(u) or bool(headed_department_ids(u))),
    NavItem(_("Organisation"), "organization:department-list", _everyone),
    NavItem(_("People"), "organization:person-list", is_cx_leader),
    NavItem(_("Channels"), "organization:channel-list", is_cx_leader),
    NavItem(_("API"), "api-docs", _everyone),
]


def navigation_for(user) -> list[dict]:
    items = []
    for item in NAVIGATION:
        if not item.visible(user):
            continue
        url = item.url()
        if url is not None:
            items.append({"label": item.label, "url": url, "url_name": item.url_name})
    return items
