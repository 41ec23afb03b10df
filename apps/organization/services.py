"""Every change to departments, channels, people, roles and tokens goes through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import history
from apps.core import roles as role_checks
from apps.core.services import archive_set, versioned_update

from .models import ApiToken, Channel, Department, RoleGrant, User, hash_token


def _check_department_parent(department: Department | None, parent: Department | None) -> None:
    """Refuse a parent that is the department itself or one of its descendants."""
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    node = parent.pk if parent is not None else None
    seen = set()
    while node is not None and node not in seen:
        if department is not None and node == department.pk:
            raise ValidationError({"parent": _("A department cannot sit under itself.")})
        seen.add(node)
        node = parents.get(node)


@transaction.atomic
def department_create(*, by, code: str, name: str, parent: Department | None = None) -> Department:
    if Department.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": _("A department with this code exists.")})
    department = Department.objects.create(code=code, name=name, parent=parent)
    history.record(department, by=by)
    return department


def department_update(*, department: Department, by, version: int, **changes) -> Department:
    if "parent" in changes:
        _check_department_parent(department, changes["parent"])
    if "code" in changes and (
        Department.objects.filter(code__iexact=changes["code"]).exclude(pk=department.pk).exists()
    ):
        raise ValidationError({"code": _("A department with this code exists.")})
    return versioned_update(department, by=by, version=version, changes=changes)


def department_archive(*, department: Department, by, archived: bool = True) -> Department:
    return archive_set(department, by=by, archived=archived)


@transaction.atomic
def channel_create(*, by, code: str, name: str) -> Channel:
    if Channel.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": _("A channel with this code exists.")})
    channel = Channel.objects.create(code=code, name=name)
    history.record(channel, by=by)
    return channel


def channel_update(*, channel: Channel, by, version: int, **changes) -> Channel:
    if "code" in changes and (
        Channel.objects.filter(code__iexact=changes["code"]).exclude(pk=channel.pk).exists()
    ):
        raise ValidationError({"code": _("A channel with this code exists.")})
    return versioned_update(channel, by=by, version=version, changes=changes)


def channel_archive(*, channel: Channel, by, archived: bool = True) -> Channel:
    return archive_set(channel, by=by, archived=archived)


def _grant_labels(user: User) -> list[str]:
    return sorted(str(g) for g in user.role_grants.select_related("department"))


@transaction.atomic
def person_create(
    *,
    by,
    email: str,
    display_name: str,
    password: str | None = None,
    primary_department: Department | None = None,
    language: str = "en",
    is_active: bool = True,
    is_system: bool = False,
    roles: Iterable[str] | None = None,
    headed_departments: Iterable[Department] | None = None,
) -> User:
    """A new person; with `roles` and/or `headed_departments`, their role grants too."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already signs in with this e-mail address.")})
    user = User.objects.create_user(
        email,
        password,
        display_name=display_name,
        primary_department=primary_department,
        language=language,
        is_active=is_active,
        is_system=is_system,
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    history.record(user, by=by)
    _roles_from_form(user, by=by, roles=roles, headed_departments=headed_departments)
    return user


@transaction.atomic
def person_update(
    *,
    person: User,
    by,
    version: int,
    roles: Iterable[str] | None = None,
    headed_departments: Iterable[Department] | None = None,
    **changes,
) -> User:
    """Change a person's fields (version-checked); with `roles` and/or
    `headed_departments`, replace their role grants too."""
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
        if User.objects.filter(email__iexact=changes["email"]).exclude(pk=person.pk).exists():
            raise ValidationError({"email": _("Someone already signs in with this e-mail address.")})
    updated = versioned_update(person, by=by, version=version, changes=changes)
    _roles_from_form(updated, by=by, roles=roles, headed_departments=headed_departments)
    return updated


def _roles_from_form(person: User, *, by, roles, headed_departments) -> None:
    """The person form names roles apart from the departments headed; both together are
    the person's grants."""
    if roles is None and headed_departments is None:
        return
    grants = [(role, None) for role in roles or ()]
    grants += [(role_checks.DEPARTMENT_HEAD, department) for department in headed_departments or ()]
    person_roles_set(person=person, by=by, grants=grants)


@transaction.atomic
def person_roles_set(*, person: User, by, grants: list[tuple[str, Department | None]]) -> User:
    """Replace a person's role grants with `grants` [(role, department or None)]."""
    valid = {r.value for r in RoleGrant.Role}
    wanted = set()
    for role, department in grants:
        if role not in valid:
            raise ValidationError({"roles": _("Unknown role %(role)s.") % {"role": role}})
        if role == role_checks.DEPARTMENT_HEAD and department is None:
            raise ValidationError({"roles": _("A department head heads at least one department.")})
        wanted.add((role, department.pk if role == role_checks.DEPARTMENT_HEAD else None))
    before = _grant_labels(person)
    existing = {(g.role, g.department_id): g for g in person.role_grants.all()}
    for key, grant in existing.items():
        if key not in wanted:
            grant.delete()
    for role, dept_id in wanted - existing.keys():
        RoleGrant.objects.create(user=person, role=role, department_id=dept_id)
    after = _grant_labels(person)
    role_checks.forget_grants(person)
    if before != after:
        history.record_many(User, {person.pk: {"roles": (", ".join(before), ", ".join(after))}}, by=by)
    return person


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the raw key is returned once and never stored."""
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80] or "token",
        prefix=raw[: ApiToken.PREFIX_LENGTH],
        key_hash=hash_token(raw),
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token
