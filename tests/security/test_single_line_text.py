"""Titles and names are single lines: a line break (`…\r\nBcc: x@y`) or another control
character is refused with a clear error on pages and in the API, and a notification
subject is always one line, so its mail can be sent."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.actions import services as plan_services
from apps.actions.models import ActionPlan
from apps.committees import services as committee_services
from apps.committees.models import AgendaItem
from apps.notifications.models import Notification
from apps.notifications.services import notify, send_pending_email
from apps.organization.models import Department

pytestmark = pytest.mark.django_db

INJECTED = [
    "Fix calls\r\nBcc: x@y.example",
    "Fix calls\nsecond line",
    "Tab\there",
    "Esc\x1b[31m",
    "Sep\u2028x",
]
MESSAGE = "Use a single line"


@pytest.mark.parametrize("title", INJECTED)
def test_plan_form_refuses_a_title_with_control_characters(client, p, title):
    client.force_login(p.alice)
    response = client.post(
        reverse("actions:plan-create"),
        {"title": title, "owner_department": p.service.pk, "status": "draft", "effort": "M", "version": 1},
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not ActionPlan.objects.exists()


def test_plan_api_refuses_a_title_with_a_line_break(api, p):
    plan = plan_services.plan_create(by=p.alice, title="Start", owner_department=p.service)
    response = api(p.alice_token).patch(
        f"/api/v1/plans/{plan.pk}/", {"title": "x\r\nBcc: y@z.example", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert MESSAGE in str(response.json()["title"])
    assert ActionPlan.objects.get(pk=plan.pk).title == "Start"


def test_department_api_and_form_refuse_a_name_with_a_line_break(api, client, p):
    response = api(p.alice_token).patch(
        f"/api/v1/departments/{p.service.code}/", {"name": "Service\nBcc: x", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert MESSAGE in str(response.json()["name"])
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:department-create"), {"code": "NEWD", "name": "New\r\nD", "version": 1}
    )
    assert MESSAGE in response.content.decode()
    assert not Department.objects.filter(code="NEWD").exists()


def test_multi_line_text_stays_allowed_in_descriptions(client, p):
    client.force_login(p.alice)
    response = client.post(
        reverse("actions:plan-create"),
        {
            "title": "One line",
            "problem_statement": "First line\r\nSecond line",
            "owner_department": p.service.pk,
            "status": "draft",
            "effort": "M",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert ActionPlan.objects.get().problem_statement == "First line\r\nSecond line"


def test_a_free_agenda_item_title_must_be_one_line(p, hierarchy):
    committee = committee_services.committee_create(by=p.alice, name="C", chair=p.chad)
    review = committee_services.review_schedule(committee=committee, by=p.alice, scheduled_for="2026-01-10")
    committee_services.review_open(review=review, by=p.chad)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        committee_services.agenda_add_free(review=review, by=p.chad, title="Item\r\nBcc: x@y")
    assert "title" in refused.value.message_dict
    assert not AgendaItem.objects.filter(title__contains="Bcc").exists()


def test_a_notification_subject_is_one_line_and_its_mail_is_sent(p):
    notify(recipient=p.hugo, kind="plan_owner", subject=lambda: "You own “Fix\r\nBcc: x@y.example”\t now")
    assert Notification.objects.get().subject == "You own “Fix Bcc: x@y.example” now"
    assert send_pending_email()["sent"] == 1
    assert mail.outbox[0].subject == "You own “Fix Bcc: x@y.example” now"
    assert "x@y.example" not in mail.outbox[0].bcc


def test_a_stored_subject_with_a_newline_is_still_delivered(p):
    # Rows written before the fix: sending collapses them instead of failing 8 times.
    notify(recipient=p.hugo, kind="plan_owner", subject=lambda: "placeholder")
    Notification.objects.update(subject="Old\r\nBcc: x@y.example")
    result = send_pending_email()
    assert result == {"claimed": 1, "sent": 1, "failed": 0}
    assert mail.outbox[0].subject == "Old Bcc: x@y.example"
