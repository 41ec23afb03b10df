"""What the organisation adds to the search box (registered in OrganizationConfig.ready()):
departments, and the people directory of DESIGN §6 (name, department, roles), which every
signed-in user may read. A person links to where the reader may go: the CX leader to the
person's page, everyone else to the person's department."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions, selectors
from .models import Department


def search_departments(user, query):
    departments = Department.objects.filter(
        Q(name__icontains=query) | Q(code__iexact=query), archived=False
    ).order_by("name")[:10]
    return (
        _("Departments"),
        [
            (f"{d.name} ({d.code})", reverse("organization:department-detail", args=[d.pk]))
            for d in departments
        ],
    )


def search_people(user, query):
    if len(query) < 2:
        return (_("People"), [])
    people = (
        selectors.people_with_roles(query)
        .filter(is_active=True, is_system=False)
        .order_by("display_name")[:10]
    )
    manages = permissions.can_manage_people(user)
    hits = []
    for person in people:
        roles_text = ", ".join(str(g) for g in person.role_grants.all())
        where = person.primary_department
        text = " — ".join(x for x in (person.display_name, str(where or ""), roles_text) if x)
        if manages:
            url = reverse("organization:person-edit", args=[person.pk])
        elif where is not None:
            url = reverse("organization:department-detail", args=[where.pk])
        else:
            continue  # nowhere this reader may open
        hits.append((text, url))
    return (_("People"), hits)
