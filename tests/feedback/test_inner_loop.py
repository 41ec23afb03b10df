"""Routing on arrival, acknowledgements and declines, closing, reopening, duplicates,
service levels and escalation (DESIGN §3, §5)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.actions.models import ActionPlan
from apps.core.models import HistoryEntry
from apps.feedback import ingest, services
from apps.feedback.models import FeedbackItem, Routing
from apps.notifications.models import Notification

from .conftest import item_row

pytestmark = pytest.mark.django_db


def routed_codes(item):
    return sorted(item.routings.filter(ended_at__isnull=True).values_list("department__code", flat=True))


def test_a_self_service_item_is_routed_to_the_five_departments_at_once(p, five, receive):
    result = receive(item_row())
    item = FeedbackItem.objects.get(pk=result.created[0])
    assert routed_codes(item) == ["CX", "MARKETING", "PRODUCT", "SERVICE", "WEBSITE"]
    assert item.status == "routed" and not item.needs_triage
    due = item.routings.first().due_at - item.routings.first().routed_at
    assert due == timedelta(hours=48)


def test_each_head_gets_one_notification_per_batch_not_per_item(p, five, receive):
    receive(*[item_row(f"e{i}", customer_reference=f"c{i}") for i in range(7)])
    for head in five.heads.values():
        rows = Notification.objects.filter(recipient=head, kind="feedback_routed")
        assert rows.count() == 1
        assert rows.get().subject.startswith("7 ")


def test_running_the_routing_job_again_routes_and_notifies_nothing_more(p, five, receive):
    result = receive(item_row())
    before = (Routing.objects.count(), Notification.objects.count())
    assert services.items_route_by_rules(item_ids=result.created) == {"routed": 0, "triage": 0}
    assert (Routing.objects.count(), Notification.objects.count()) == before


def test_keywords_match_whole_words_ignoring_case_and_accents(p, five, receive):
    services.rule_create(by=p.alice, name="Refunds", keyword="devolución", departments=[five.marketing])
    result = receive(
        item_row("a", topic="", text="Quiero una DEVOLUCION ya"),
        item_row("b", topic="", text="devoluciones no", customer_reference="x"),
    )
    a, b = (FeedbackItem.objects.get(pk=pk) for pk in result.created)
    assert routed_codes(a) == ["MARKETING"]
    assert routed_codes(b) == [] and b.needs_triage


def test_channel_rules_route_and_unrouted_items_land_in_the_cx_leaders_triage(p, five, receive):
    services.rule_create(by=p.alice, name="Phone", channel=p.phone, departments=[five.service])
    result = receive(
        item_row("a", topic="billing", channel="PHONE"),
        item_row("b", topic="billing", customer_reference="y"),
    )
    a, b = (FeedbackItem.objects.get(pk=pk) for pk in result.created)
    assert routed_codes(a) == ["SERVICE"]
    assert b.status == "new" and b.needs_triage
    triage = Notification.objects.get(recipient=p.alice, kind="feedback_triage")
    assert triage.subject.startswith("1 ")


def test_a_rule_without_any_condition_is_refused(p, five):
    with pytest.raises(ValidationError):
        services.rule_create(by=p.alice, name="Everything", departments=[five.cx])


def test_the_cx_leader_routes_a_triage_item_by_hand(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row(topic="other")).created[0])
    services.item_route(item=item, by=p.alice, departments=[five.service])
    item.refresh_from_db()
    assert routed_codes(item) == ["SERVICE"] and item.status == "routed" and not item.needs_triage
    assert Notification.objects.filter(recipient=p.hugo, kind="feedback_routed").count() == 1


def test_status_follows_the_acknowledgements_and_a_linked_plan_makes_it_actioned(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    for dept in five.departments[:-1]:
        services.item_acknowledge(item=item, by=p.alice, department=dept, note="seen")
        item.refresh_from_db()
        assert item.status == "routed"
    services.item_acknowledge(item=item, by=p.alice, department=five.marketing)
    item.refresh_from_db()
    assert item.status == "acknowledged"
    with pytest.raises(ValidationError):
        services.item_acknowledge(item=item, by=p.alice, department=five.cx)


def test_acknowledging_with_a_new_plan_creates_a_prefilled_draft_and_actions_the_item(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    ack = services.item_acknowledge(item=item, by=p.hugo, department=five.service, create_plan=True)
    item.refresh_from_db()
    assert ack.plan.status == ActionPlan.Status.DRAFT and ack.plan.owner_department == five.service
    assert "logged me out" in ack.plan.problem_statement
    assert item.status == "actioned"


def test_a_decline_needs_a_reason_and_sends_the_item_back_to_triage(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    with pytest.raises(ValidationError):
        services.item_decline(item=item, by=p.wanda, department=p.website, reason=" ")
    services.item_decline(item=item, by=p.wanda, department=p.website, reason="Not a website issue")
    item.refresh_from_db()
    assert item.needs_triage and "WEBSITE" not in routed_codes(item)
    assert Notification.objects.filter(recipient=p.alice, kind="feedback_triage").exists()


def test_the_last_department_declining_leaves_the_item_new(p, five, receive):
    services.rule_create(by=p.alice, name="Billing", topic="billing", departments=[five.service])
    item = FeedbackItem.objects.get(pk=receive(item_row(topic="billing")).created[0])
    services.item_decline(item=item, by=p.hugo, department=five.service, reason="Finance's")
    item.refresh_from_db()
    assert item.status == "new" and item.needs_triage


def test_an_item_without_consent_closes_only_as_no_consent_to_contact(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row(may_contact=False)).created[0])
    with pytest.raises(ValidationError):
        services.item_close(item=item, by=p.alice, reason="customer_informed", told="We fixed it")
    services.item_close(item=item, by=p.alice, reason="no_consent")
    item.refresh_from_db()
    assert item.status == "closed" and item.closure_reason == "no_consent"


def test_customer_informed_records_who_when_and_what_and_reopen_keeps_both_in_history(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    with pytest.raises(ValidationError):
        services.item_close(item=item, by=p.alice, reason="customer_informed", told="")
    services.item_close(item=item, by=p.alice, reason="customer_informed", told="Fixed in release 4.2")
    item.refresh_from_db()
    assert (item.informed_by, item.informed_what) == (p.alice, "Fixed in release 4.2")
    assert item.informed_at is not None
    services.item_reopen(item=item, by=p.alice)
    item.refresh_from_db()
    assert item.status == "routed" and item.closure_reason == "" and item.informed_at is None
    entries = HistoryEntry.objects.filter(object_id=str(item.pk), content_type__model="feedbackitem")
    reasons = [e.changes.get("closure_reason", {}).get("after") for e in entries]
    assert "customer informed" in reasons and "" in reasons


def test_a_second_item_of_the_same_customer_and_topic_within_7_days_is_a_possible_duplicate(p, five, receive):
    now = timezone.now()
    first = receive(item_row("a", received_at=(now - timedelta(days=6)).isoformat())).created[0]
    second = receive(item_row("b", received_at=now.isoformat())).created[0]
    third = receive(item_row("c", received_at=now.isoformat(), customer_reference="someone-else")).created[0]
    late = receive(item_row("d", received_at=now.isoformat(), topic="billing")).created[0]
    assert FeedbackItem.objects.get(pk=second).possible_duplicate_of_id == first
    assert FeedbackItem.objects.get(pk=third).possible_duplicate_of_id is None
    assert FeedbackItem.objects.get(pk=late).possible_duplicate_of_id is None
    services.item_resolve_duplicate(item=FeedbackItem.objects.get(pk=second), by=p.alice, merge=True)
    merged = FeedbackItem.objects.get(pk=second)
    assert merged.status == "closed" and merged.closure_reason == "duplicate"


def test_a_resend_of_the_same_source_and_external_id_updates_nothing_and_says_so(p, five, receive):
    receive(item_row("a"), item_row("b", customer_reference="z"))
    before = list(FeedbackItem.objects.order_by("pk").values())
    result = ingest.feedback_ingest(rows=[item_row("a", text="changed"), item_row("c")], by=p.alice)
    assert len(result.created) == 1
    assert [(u["row"], u["external_id"], u["message"]) for u in result.unchanged] == [
        (0, "a", "already received; nothing updated")
    ]
    assert list(FeedbackItem.objects.order_by("pk").values())[:2] == before


def test_an_acknowledgement_24_hours_past_due_goes_to_the_cx_leader_once(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    services.item_acknowledge(item=item, by=p.hugo, department=five.service)
    later = timezone.now() + timedelta(hours=48 + 23)
    assert services.escalate_overdue(now=later) == 0
    later = timezone.now() + timedelta(hours=48 + 24, minutes=1)
    assert services.escalate_overdue(now=later) == 4
    assert services.escalate_overdue(now=later) == 0
    escalation = Notification.objects.get(recipient=p.alice, kind="feedback_escalation")
    assert escalation.subject.startswith("4 ")


def test_the_daily_digest_lists_a_heads_overdue_acknowledgements(p, five, receive):
    from apps.core.registry import registry

    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    Routing.objects.filter(item=item).update(due_at=timezone.now() - timedelta(hours=1))
    lines = registry.digest(timezone.localdate())
    assert any(f"#{item.pk}" in text for text, _url in lines[p.hugo.pk])
