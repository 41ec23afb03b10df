"""One user per role, reused by every test (healthchecks-style personas).

alice  CX leader
erin   executive
hugo   head of Customer Service (the "own" department of matrix tests)
wanda  head of Website (the "other" department)
cora   contributor in Customer Service (owns the "own" milestone)
carl   contributor in Website (owns the "other" milestone)
sam    system account (integration), API token only
chad, sue, mia  chair, secretary and member of the matrix's committee (contributors otherwise)
"""

from dataclasses import dataclass

from apps.core import roles
from apps.organization.models import Channel, Department, RoleGrant, User
from apps.organization.services import token_create

PASSWORD = "pw-Secret-123"


@dataclass
class Personas:
    service: Department
    website: Department
    phone: Channel
    web: Channel
    alice: User
    erin: User
    hugo: User
    wanda: User
    cora: User
    carl: User
    sam: User
    sam_token: str
    alice_token: str
    hugo_token: str
    chad: User
    sue: User
    mia: User


def _user(email, name, department, *grants, is_system=False) -> User:
    user = User.objects.create_user(
        email, PASSWORD, display_name=name, primary_department=department, is_system=is_system
    )
    for role, dept in grants:
        RoleGrant.objects.create(user=user, role=role, department=dept)
    return user


def make_personas() -> Personas:
    service = Department.objects.create(code="SERVICE", name="Customer Service")
    website = Department.objects.create(code="WEBSITE", name="Website")
    phone = Channel.objects.create(code="PHONE", name="Phone")
    web = Channel.objects.create(code="WEB", name="Web")
    alice = _user("alice@example.com", "Alice Leader", None, (roles.CX_LEADER, None))
    erin = _user("erin@example.com", "Erin Exec", None, (roles.EXECUTIVE, None))
    hugo = _user("hugo@example.com", "Hugo Head", service, (roles.DEPARTMENT_HEAD, service))
    wanda = _user("wanda@example.com", "Wanda Head", website, (roles.DEPARTMENT_HEAD, website))
    cora = _user("cora@example.com", "Cora Contributor", service, (roles.CONTRIBUTOR, None))
    carl = _user("carl@example.com", "Carl Contributor", website, (roles.CONTRIBUTOR, None))
    sam = _user("sam@example.com", "Ops System", None, is_system=True)
    _t, sam_token = token_create(user=sam, name="ingest")
    _t, alice_token = token_create(user=alice, name="alice")
    _t, hugo_token = token_create(user=hugo, name="hugo")
    # Committee roles are relations, not grants: plain contributors who chair, take the
    # minutes of, or sit on the matrix's committee.
    chad = _user("chad@example.com", "Chad Chair", None, (roles.CONTRIBUTOR, None))
    sue = _user("sue@example.com", "Sue Secretary", None, (roles.CONTRIBUTOR, None))
    mia = _user("mia@example.com", "Mia Member", None, (roles.CONTRIBUTOR, None))
    return Personas(
        service,
        website,
        phone,
        web,
        alice,
        erin,
        hugo,
        wanda,
        cora,
        carl,
        sam,
        sam_token,
        alice_token,
        hugo_token,
        chad,
        sue,
        mia,
    )
