"""Demo people, departments and channels: the sources' world (the five departments of
the feedback example, and more). Idempotent: keyed on codes and e-mail addresses."""

from apps.core import roles

from .models import Channel, Department, RoleGrant, User

DEPARTMENTS = [
    ("CX", "Customer Experience", None),
    ("PRODUCT", "Product", None),
    ("WEBSITE", "Website", None),
    ("SERVICE", "Customer Service", None),
    ("MARKETING", "Marketing", None),
    ("SALES", "Sales", None),
    ("FINANCE", "Finance", None),
    ("OPERATIONS", "Operations", None),
    ("CONTACT", "Contact Centre", "SERVICE"),
]

CHANNELS = [
    ("PHONE", "Phone"),
    ("IN_PERSON", "In person"),
    ("WEB", "Web"),
    ("APP", "App"),
    ("EMAIL", "E-mail"),
    ("SOCIAL", "Social"),
]

# e-mail, name, primary department, language, [(role, department code or None)]
PEOPLE = [
    ("cx.leader@demo.cx", "Carmen Leal", "CX", "es", [(roles.CX_LEADER, None)]),
    ("executive@demo.cx", "Eduardo Ruiz", "FINANCE", "en", [(roles.EXECUTIVE, None)]),
    (
        "head.service@demo.cx",
        "Sofía Herrera",
        "SERVICE",
        "en",
        [(roles.DEPARTMENT_HEAD, "SERVICE"), (roles.DEPARTMENT_HEAD, "CONTACT")],
    ),
    ("head.website@demo.cx", "Walter Díaz", "WEBSITE", "en", [(roles.DEPARTMENT_HEAD, "WEBSITE")]),
    ("head.product@demo.cx", "Paula Gómez", "PRODUCT", "en", [(roles.DEPARTMENT_HEAD, "PRODUCT")]),
    ("head.marketing@demo.cx", "Mario Sanz", "MARKETING", "en", [(roles.DEPARTMENT_HEAD, "MARKETING")]),
    ("contributor@demo.cx", "Clara Núñez", "SERVICE", "en", [(roles.CONTRIBUTOR, None)]),
    ("contributor.web@demo.cx", "Carlos Vidal", "WEBSITE", "en", [(roles.CONTRIBUTOR, None)]),
]

DEMO_PASSWORD = "demo-portal-2026"


def load(stdout=None) -> dict:
    by_code = {}
    for code, name, parent in DEPARTMENTS:
        dept, _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "parent": by_code.get(parent), "archived": False}
        )
        by_code[code] = dept
    for code, name in CHANNELS:
        Channel.objects.update_or_create(code=code, defaults={"name": name, "archived": False})
    for email, name, dept, language, grants in PEOPLE:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"display_name": name, "primary_department": by_code[dept], "language": language},
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.display_name = name
        user.primary_department = by_code[dept]
        user.is_active = True
        user.save()
        wanted = {(role, by_code[d].pk if d else None) for role, d in grants}
        user.role_grants.exclude(
            pk__in=[g.pk for g in user.role_grants.all() if (g.role, g.department_id) in wanted]
        ).delete()
        for role, dept_id in wanted:
            RoleGrant.objects.get_or_create(user=user, role=role, department_id=dept_id)
    system, _ = User.objects.get_or_create(
        email="ops-system@demo.cx",
        defaults={"display_name": "Call-centre system", "is_system": True},
    )
    if system.has_usable_password():
        system.set_unusable_password()
        system.save()
    return {"departments": by_code}


def logins() -> list[tuple[str, str, str]]:
    return [(roles_label(g), email, DEMO_PASSWORD) for email, _n, _d, _l, g in PEOPLE]


def roles_label(grants) -> str:
    parts = []
    for role, dept in grants:
        parts.append(f"{role.replace('_', ' ')}" + (f" ({dept})" if dept else ""))
    return ", ".join(parts)


def load_empty(stdout=None) -> list[tuple[str, str, str]]:
    """`manage.py demo --empty`: only the CX leader's login, no departments or data, so the
    overview shows the guided start. Returns the login it made."""
    email, name, _dept, language, _grants = PEOPLE[0]
    defaults = {"display_name": name, "language": language}
    user, created = User.objects.get_or_create(email=email, defaults=defaults)
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    user.is_active = True
    user.save()
    RoleGrant.objects.get_or_create(user=user, role=roles.CX_LEADER, department=None)
    return [(roles_label([(roles.CX_LEADER, None)]), email, DEMO_PASSWORD)]
