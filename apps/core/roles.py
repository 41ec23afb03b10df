"""Role checks every app's permissions.py builds on (DESIGN §6).

A user may hold several role grants; a department head's grants name the departments
they head. Grants are read once per request and cached on the user object.
"""

from __future__ import annotations

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


def everyone(user) -> bool:
    """Every signed-in person (not a system account): who sees most pages in the navigation."""
    return not is_system_account(user)
