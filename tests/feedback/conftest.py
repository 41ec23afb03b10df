from dataclasses import dataclass
from datetime import datetime

import pytest
from django.utils import timezone

from apps.core import roles
from apps.feedback import ingest, services
from apps.organization.models import Department, RoleGrant, User


@dataclass
class Five:
    cx: Department
    product: Department
    website: Department
    service: Department
    marketing: Department
    heads: dict
    rule: object

    @property
    def departments(self):
        return [self.cx, self.product, self.website, self.service, self.marketing]


@pytest.fixture
def five(p):
    """The sources' example: self-service feedback goes to CX, Product, Website, Customer
    Service and Marketing at once. Hugo heads Service, Wanda Website; three more heads."""
    cx = Department.objects.create(code="CX", name="Customer Experience")
    product = Department.objects.create(code="PRODUCT", name="Product")
    marketing = Department.objects.create(code="MARKETING", name="Marketing")
    heads = {"SERVICE": p.hugo, "WEBSITE": p.wanda}
    for dept in (cx, product, marketing):
        user = User.objects.create_user(
            f"head.{dept.code.lower()}@example.com", "pw-Secret-123", display_name=f"Head {dept.code}"
        )
        RoleGrant.objects.create(user=user, role=roles.DEPARTMENT_HEAD, department=dept)
        heads[dept.code] = user
    rule = services.rule_create(
        by=p.alice,
        name="Self-service",
        topic="self_service",
        departments=[cx, product, p.website, p.service, marketing],
    )
    return Five(cx, product, p.website, p.service, marketing, heads, rule)


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def item_row(external_id="ext-1", **kw):
    row = {
        "source": "survey",
        "external_id": external_id,
        "received_at": kw.pop("received_at", timezone.now().isoformat()),
        "text": "The self-service portal logged me out twice",
        "topic": "self_service",
        "may_contact": True,
        "customer_reference": "cust-42",
    }
    row.update(kw)
    return row


@pytest.fixture
def receive(p, django_capture_on_commit_callbacks):
    """receive(*rows): ingest as the CX leader and run the on-commit jobs (routing)."""

    def _receive(*rows, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest.feedback_ingest(rows=list(rows), by=by or p.alice)
        assert result.ok, result.errors
        return result

    return _receive
