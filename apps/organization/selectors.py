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


def department_codes(code: str, *, subtree: bool = False) -> list[str]:
    """`code`, and with ``subtree`` the codes of every department under it (one query):
    how a list filtered by ``?department=<code>&subtree=1`` matches a parent's totals."""
    if not subtree:
        return [code]
    pairs = list(Department.objects.values_list("pk", "parent_id", "code"))
    children: dict = {}
    for pk, parent_id, _code in pairs:
        children.setdefault(parent_id, []).append(pk)
    codes = {pk: c for pk, _parent, c in pairs}
    start = next((pk for pk, _parent, c in pairs if c == code), None)
    if start is None:
        return [code]
    out, stack = [], [start]
    while stack:
        pk = stack.pop()
        out.append(codes[pk])
        stack.extend(children.get(pk, []))
    return out


def department_codes_from(params) -> list[str] | None:
    """The owner-department codes a list's ?department=<code>[&subtree=1] asks for; None
    when it does not filter by department."""
    code = (params.get("department") or "").strip()
    if not code:
        return None
    return department_codes(code, subtree=params.get("subtree") == "1")
