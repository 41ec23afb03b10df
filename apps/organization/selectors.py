from django.db.models import Count, Prefetch, Q

from .models import Department, RoleGrant, User


def department_tree(include_archived: bool = False) -> list[tuple[Department, int]]:
    """Departments in tree order with their depth, in one query."""
    qs = Department.objects.annotate(
        member_count=Count("members", distinct=True),
    ).prefetch_related(
        Prefetch(
            "role_grants",
            queryset=RoleGrant.objects.filter(role="department_head").select_related("user"),
            to_attr="head_grants",
        )
    )
    if not include_archived:
        qs = qs.filter(archived=False)
    departments = list(qs.order_by("name"))
    children: dict = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    present = {d.pk for d in departments}
    roots = [d for d in departments if d.parent_id is None or d.parent_id not in present]
    out: list[tuple[Department, int]] = []

    def walk(node, depth):
        out.append((node, depth))
        for child in children.get(node.pk, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return out


def people_with_roles(search: str = ""):
    qs = User.objects.select_related("primary_department").prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.select_related("department"))
    )
    if search:
        qs = qs.filter(Q(email__icontains=search) | Q(display_name__icontains=search))
    return qs
