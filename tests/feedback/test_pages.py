"""Feedback pages: the inbox (filters, search, CSV, bulk), an item's page and forms, the
upload report, the theme trend, the department section, telling the customers of a done plan."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.actions import services as plan_services
from apps.core.models import HistoryEntry
from apps.core.registry import DEPARTMENT_PAGE, registry
from apps.feedback import services
from apps.feedback.models import FeedbackItem

from .conftest import item_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(p, five, receive):
    rows = [item_row(f"e{i}", customer_reference=f"c{i}", channel="WEB") for i in range(30)]
    rows.append(item_row("other", topic="billing", text="Charged twice", customer_reference="z"))
    return [FeedbackItem.objects.get(pk=pk) for pk in receive(*rows).created]


def test_the_inbox_runs_a_bounded_number_of_queries_whatever_the_size(
    p, items, login, django_assert_max_num_queries
):
    client = login(p.erin)
    with django_assert_max_num_queries(20):
        response = client.get("/feedback/")
    assert response.status_code == 200
    assert b"logged me out" in response.content


def test_inbox_filters_and_search_and_csv(p, items, login):
    client = login(p.alice)
    triage = client.get("/feedback/?triage=1")
    assert b"Charged twice" in triage.content and b"logged me out" not in triage.content
    found = client.get("/feedback/?q=charged")
    assert b"Charged twice" in found.content
    assert b"logged me out" not in client.get("/feedback/?department=SERVICE&topic=billing").content
    csv = client.get("/feedback/?topic=billing&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().count("\n") == 2


def test_overdue_filter_shows_items_past_their_acknowledgement_time(p, items, login):
    from apps.feedback.models import Routing

    Routing.objects.filter(item=items[0]).update(due_at=timezone.now() - timedelta(hours=1))
    body = login(p.alice).get("/feedback/?overdue=1&format=csv").content.decode()
    assert body.count("\n") == 2 and f"{items[0].pk}," in body


def test_bulk_acknowledge_answers_for_the_heads_own_departments_only(p, five, items, login):
    response = login(p.hugo).post(
        "/feedback/bulk/", {"action": "acknowledge", "items": [i.pk for i in items[:3]]}
    )
    assert response.status_code == 302
    for item in items[:3]:
        answered = set(item.acknowledgements.values_list("department__code", flat=True))
        assert answered == {"SERVICE"}


def test_bulk_route_by_the_cx_leader_tells_each_head_once(p, five, items, login):
    from apps.notifications.models import Notification

    login(p.alice).post(
        "/feedback/bulk/", {"action": "route", "items": [items[-1].pk], "departments": [five.cx.pk]}
    )
    assert items[-1].routings.filter(department=five.cx).exists()
    assert Notification.objects.filter(recipient=five.heads["CX"], kind="feedback_routed").count() == 2


def test_acknowledge_page_offers_only_the_heads_departments_and_creates_a_draft(p, five, items, login):
    client = login(p.hugo)
    page = client.get(f"/feedback/{items[0].pk}/acknowledge/")
    assert page.status_code == 200
    choices = [str(c[1]) for c in page.context["form"].fields["department"].choices if c[0]]
    assert choices == ["Customer Service"]
    response = client.post(
        f"/feedback/{items[0].pk}/acknowledge/",
        {"department": five.service.pk, "note": "", "create_plan": "on"},
    )
    assert response.status_code == 302
    ack = items[0].acknowledgements.get()
    assert ack.plan is not None and ack.plan.status == "draft"


def test_closing_as_customer_informed_without_consent_shows_the_reason_on_the_form(p, five, receive, login):
    item = FeedbackItem.objects.get(pk=receive(item_row(may_contact=False)).created[0])
    response = login(p.hugo).post(f"/feedback/{item.pk}/close/", {"reason": "customer_informed", "told": "x"})
    assert response.status_code == 200
    assert "no consent to contact" in response.content.decode()
    assert FeedbackItem.objects.get(pk=item.pk).status != "closed"


def test_the_upload_page_lists_every_bad_row_without_the_original_text(p, login):
    body = "source,external_id,received_at,text,rating\ns,1,2026-01-01,mail ana@example.com,99\ns,2,bad,x,1\n"
    response = login(p.alice).post("/feedback/upload/", {"file": SimpleUploadedFile("f.csv", body.encode())})
    content = response.content.decode()
    assert response.status_code == 200 and "2 problems" in content
    assert "ana@example.com" not in content
    assert not FeedbackItem.objects.exists()


def test_the_theme_page_draws_weekly_counts_with_the_threshold_and_their_table(p, items, login):
    response = login(p.erin).get("/feedback/themes/self_service/")
    assert response.status_code == 200
    chart = response.context["chart"]
    assert len(chart["labels"]) == len(chart["count"]) == len(chart["threshold"]) == 16
    assert b'id="theme-data"' in response.content and b"<script>" not in response.content


def test_the_department_page_section_lists_feedback_to_acknowledge(p, five, items, rf):
    request = rf.get("/")
    request.user = p.hugo
    (section,) = [s for s in registry.sections(DEPARTMENT_PAGE, request, five.service) if "routings" in s]
    assert len(section["routings"]) == 25
    services.items_acknowledge(items=items, by=p.hugo)
    (section,) = [s for s in registry.sections(DEPARTMENT_PAGE, request, five.service) if "routings" in s]
    assert section["routings"] == []


def test_telling_the_customers_of_a_done_plan_closes_their_items_in_one_step(p, five, items, login):
    plan = plan_services.plan_create(
        by=p.alice, title="Sessions", owner_department=five.service, status="active"
    )
    for item in items[:3]:
        services.item_acknowledge(item=item, by=p.hugo, department=five.service, plan=plan)
    FeedbackItem.objects.filter(pk=items[2].pk).update(may_contact=False)
    client = login(p.hugo)
    assert client.get(f"/feedback/plans/{plan.pk}/tell/").status_code == 403  # not done yet
    assert "Tell the affected customers" not in client.get(f"/plans/{plan.pk}/").content.decode()
    plan_services.plan_update(plan=plan, by=p.alice, version=plan.version, status="done")
    assert "Tell the affected customers" in client.get(f"/plans/{plan.pk}/").content.decode()
    page = client.get(f"/feedback/plans/{plan.pk}/tell/")
    assert page.status_code == 200 and len(page.context["to_tell"]) == 2 and page.context["no_consent"] == 1
    assert login(p.cora).get(f"/feedback/plans/{plan.pk}/tell/").status_code == 403
    response = login(p.hugo).post(f"/feedback/plans/{plan.pk}/tell/", {"told": "Sessions now last 8 hours"})
    assert response.status_code == 302
    closed = FeedbackItem.objects.filter(pk__in=[i.pk for i in items[:3]], status="closed")
    assert sorted(closed.values_list("pk", flat=True)) == [items[0].pk, items[1].pk]
    assert closed.first().informed_what == "Sessions now last 8 hours"
    assert HistoryEntry.objects.filter(object_id=str(plan.pk), changes__customers_told__after=2).exists()


def test_a_theme_goes_on_an_open_review_and_a_decision_plan_is_the_themes(p, five, items, login):
    from apps.committees import services as committee_services
    from apps.committees.models import Decision

    committee = committee_services.committee_create(by=p.alice, name="Steering", chair=p.erin)
    review = committee_services.review_schedule(
        committee=committee, by=p.alice, scheduled_for=timezone.localdate()
    )
    response = login(p.erin).post("/feedback/themes/self_service/agenda/", {"review": review.pk})
    assert response.status_code == 302
    agenda_item = review.items.get(kind="feedback_theme")
    assert agenda_item.title == "Feedback theme: self_service" and agenda_item.reason == "30 open items"
    decision = committee_services.decision_create(
        item=agenda_item,
        by=p.alice,
        kind=Decision.Kind.CREATE_ACTION_PLAN,
        text="Fix log-outs",
        owner_department=five.website,
    )
    plan = decision.linked_plan
    assert services.plan_affected_items(plan).count() == 30
    page = login(p.erin).get("/feedback/themes/self_service/")
    assert list(page.context["plans"]) == [plan]


def test_the_feedback_pages_speak_spanish(p, items, login):
    p.erin.language = "es"
    p.erin.save()
    content = login(p.erin).get("/feedback/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Opiniones" in content and "Nivel de servicio" in content
