from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core import history, roles
from apps.core.forms import form_page
from apps.core.permissions import require
from apps.core.registry import DEPARTMENT_PAGE, registry
from apps.core.tables import Column, Table, csv_download, export_value

from . import permissions, selectors, services
from .forms import ChannelForm, DepartmentForm, PersonForm, TokenForm
from .models import ApiToken, Channel, Department, User


@require_safe
def department_list(request):
    include_archived = request.GET.get("archived") == "1"
    tree = selectors.department_tree(include_archived=include_archived)
    if request.GET.get("format") == "csv":
        codes = {d.pk: d.code for d, _depth in tree}
        # The tree as of today, for the whole organisation; archived in words.
        as_of = timezone.localdate().isoformat()
        return csv_download(
            "departments",
            [
                "period",
                "scope",
                _("Department"),
                _("Code"),
                _("Parent"),
                _("Heads"),
                _("Members"),
                _("Archived"),
            ],
            (
                [
                    as_of,
                    "org",
                    d.name,
                    d.code,
                    codes.get(d.parent_id, ""),
                    ", ".join(g.user.display_name for g in d.head_grants),
                    d.member_count,
                    export_value(d.archived),
                ]
                for d, _depth in tree
            ),
        )
    return render(
        request,
        "organization/department_list.html",
        {
            "tree": tree,
            "include_archived": include_archived,
            "can_edit": permissions.can_edit_organisation(request.user),
        },
    )


@require_safe
def department_detail(request, pk):
    department = get_object_or_404(Department.objects.select_related("parent"), pk=pk)
    heads = User.objects.filter(
        role_grants__role=roles.DEPARTMENT_HEAD, role_grants__department=department
    ).distinct()
    return render(
        request,
        "organization/department_detail.html",
        {
            "department": department,
            "heads": heads,
            "members": department.members.filter(is_active=True),
            "children": department.children.filter(archived=False),
            "history": history.history_for(department),
            "can_edit": permissions.can_edit_organisation(request.user),
            "sections": registry.sections(DEPARTMENT_PAGE, request, department),
        },
    )


def department_create(request):
    require(
        permissions.can_edit_organisation(request.user),
        _("Only the CX leader edits departments and channels."),
    )
    return form_page(
        request,
        form=DepartmentForm(request.POST or None, initial={"version": 1}),
        service=partial(services.department_create, by=request.user),
        success_url=reverse("organization:department-list"),
        template="organization/form.html",
        context={"title": _("New department")},
    )


def department_edit(request, pk):
    department = permissions.get_department_for_edit(request.user, pk)
    initial = {
        "code": department.code,
        "name": department.name,
        "parent": department.parent_id,
        "version": department.version,
    }
    return form_page(
        request,
        form=DepartmentForm(request.POST or None, initial=initial),
        service=partial(services.department_update, department=department, by=request.user),
        success_url=reverse("organization:department-detail", args=[pk]),
        template="organization/form.html",
        context={"title": _("Edit department %(name)s") % {"name": department.name}},
    )


@require_POST
def department_archive(request, pk):
    department = permissions.get_department_for_edit(request.user, pk)
    services.department_archive(
        department=department, by=request.user, archived=request.POST.get("restore") != "1"
    )
    return redirect("organization:department-detail", pk=pk)


@require_safe
def channel_list(request):
    qs = Channel.objects.all() if request.GET.get("archived") == "1" else Channel.objects.active()
    table = Table(
        request,
        qs,
        [
            Column("code", _("Code"), sort="code"),
            Column("name", _("Name"), sort="name"),
            Column("archived", _("Archived"), sort="archived"),
        ],
        default_sort="name",
        export_name="channels",
    )
    if table.wants_csv():
        return table.csv_response()
    return render(
        request,
        "organization/channel_list.html",
        {**table.context(), "can_edit": permissions.can_edit_organisation(request.user)},
    )


def channel_create(request):
    require(
        permissions.can_edit_organisation(request.user),
        _("Only the CX leader edits departments and channels."),
    )
    return form_page(
        request,
        form=ChannelForm(request.POST or None, initial={"version": 1}),
        service=partial(services.channel_create, by=request.user),
        success_url=reverse("organization:channel-list"),
        template="organization/form.html",
        context={"title": _("New channel")},
    )


def channel_edit(request, pk):
    channel = permissions.get_channel_for_edit(request.user, pk)
    initial = {"code": channel.code, "name": channel.name, "version": channel.version}
    return form_page(
        request,
        form=ChannelForm(request.POST or None, initial=initial),
        service=partial(services.channel_update, channel=channel, by=request.user),
        success_url=reverse("organization:channel-list"),
        template="organization/form.html",
        context={
            "title": _("Edit channel %(name)s") % {"name": channel.name},
            "history": history.history_for(channel),
            "archive_url": reverse("organization:channel-archive", args=[pk]),
            "archived": channel.archived,
        },
    )


@require_POST
def channel_archive(request, pk):
    channel = permissions.get_channel_for_edit(request.user, pk)
    services.channel_archive(channel=channel, by=request.user, archived=request.POST.get("restore") != "1")
    return redirect("organization:channel-list")


@require_safe
def person_list(request):
    require(
        permissions.can_manage_people(request.user), _("Only the CX leader manages people and their roles.")
    )
    table = Table(
        request,
        selectors.people_with_roles(request.GET.get("q", "").strip()),
        [
            Column(
                "display_name",
                _("Name"),
                sort="display_name",
                link=lambda u: reverse("organization:person-edit", args=[u.pk]),
            ),
            Column("email", _("E-mail"), sort="email"),
            Column("primary_department", _("Department"), sort="primary_department__name"),
            Column("roles", _("Roles"), value=lambda u: ", ".join(str(g) for g in u.role_grants.all())),
            Column("is_active", _("Active"), sort="is_active"),
            Column("is_system", _("System"), sort="is_system"),
        ],
        default_sort="display_name",
        export_name="people",
    )
    if table.wants_csv():
        return table.csv_response()
    return render(
        request, "organization/person_list.html", {**table.context(), "q": request.GET.get("q", "")}
    )


def person_create(request):
    require(
        permissions.can_manage_people(request.user), _("Only the CX leader manages people and their roles.")
    )
    return form_page(
        request,
        form=PersonForm(request.POST or None, initial={"version": 1, "language": "en", "is_active": True}),
        service=partial(services.person_create, by=request.user),
        success_url=reverse("organization:person-list"),
        template="organization/form.html",
        context={"title": _("New person")},
    )


def person_edit(request, pk):
    person = permissions.get_person_for_edit(request.user, pk)
    grants = list(person.role_grants.all())
    initial = {
        "email": person.email,
        "display_name": person.display_name,
        "primary_department": person.primary_department_id,
        "language": person.language,
        "is_active": person.is_active,
        "is_system": person.is_system,
        "roles": [g.role for g in grants if g.role != roles.DEPARTMENT_HEAD],
        "headed_departments": [g.department_id for g in grants if g.role == roles.DEPARTMENT_HEAD],
        "version": person.version,
    }
    return form_page(
        request,
        form=PersonForm(request.POST or None, initial=initial),
        service=partial(services.person_update, person=person, by=request.user),
        success_url=reverse("organization:person-list"),
        template="organization/form.html",
        context={
            "title": _("Edit %(name)s") % {"name": person.display_name},
            "history": history.history_for(person),
        },
    )


def token_list(request):
    """The signed-in user's own API tokens; the CX leader also manages system accounts'."""
    if roles.is_system_account(request.user):
        raise PermissionDenied
    owners = [request.user]
    system_accounts = []
    if roles.is_cx_leader(request.user):
        system_accounts = list(User.objects.filter(is_system=True, is_active=True))
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        owner = request.user
        owner_id = request.POST.get("owner")
        if owner_id and owner_id != str(request.user.pk):
            owner = next((u for u in system_accounts if str(u.pk) == owner_id), None)
            if owner is None:
                raise PermissionDenied
        _token, new_key = services.token_create(user=owner, name=form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user__in=owners + system_accounts).select_related("user")
    return render(
        request,
        "organization/token_list.html",
        {"form": form, "tokens": tokens, "new_key": new_key, "system_accounts": system_accounts},
    )


@require_POST
def token_revoke(request, pk):
    token = permissions.get_token_for_revoke(request.user, pk)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("organization:token-list")
