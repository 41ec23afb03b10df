"""Committee reviews: generated agenda, workspace, decisions, close, minutes."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.actions import services as plan_services
from apps.actions.models import ActionPlan
from apps.committees import agenda, services
from apps.committees.models import AgendaItem, Decision, Review, ReviewNote, TargetChangeProposal
from apps.metrics import ingest, rollup
from apps.metrics.models import DirtyPeriod, RollupSnapshot, Target
from apps.notifications.digest import send_daily_digest
from apps.notifications.models import Notification

TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
MONTH_BEFORE = (LAST_MONTH - timedelta(days=1)).replace(day=1)


def measure(p, code, month, value, department="SERVICE"):
    rows = [
        {
            "metric": code,
            "period_start": month.isoformat(),
            "department": department,
            "channel": "",
            "source": "s",
            "value": value,
            "sample_size": 10,
        }
    ]
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert result.ok, result.errors


@pytest.fixture
def committee(p, hierarchy):
    return services.committee_create(
        by=p.alice,
        name="Service group",
        chair=p.chad,
        secretary=p.sue,
        members=[p.mia, p.hugo],
        scope_departments=[p.service],
        scope_metrics=[hierarchy.csat],
    )


@pytest.fixture
def scenario(p, hierarchy, committee):
    """AHT (Service's) red last month; CSAT amber last month and green before; WEB_ERR
    (Website's, out of scope) red; one Service plan at risk; an open decision of an
    earlier review."""
    measure(p, "AHT", MONTH_BEFORE, 600)
    measure(p, "AHT", LAST_MONTH, 700)
    measure(p, "CSAT", MONTH_BEFORE, 90, department="")
    measure(p, "CSAT", LAST_MONTH, 75, department="")
    measure(p, "WEB_ERR", LAST_MONTH, 500, department="WEBSITE")
    rollup.rollup_dirty()
    plan_services.plan_create(by=p.alice, title="Calls at risk", owner_department=p.service, status="at_risk")
    plan_services.plan_create(by=p.alice, title="Web fine", owner_department=p.website, status="at_risk")
    earlier = services.review_schedule(
        committee=committee, by=p.alice, scheduled_for=TODAY - timedelta(days=30)
    )
    services.review_open(review=earlier, by=p.chad)
    item = services.agenda_add_free(review=earlier, by=p.chad, title="Earlier item")
    services.decision_create(
        item=item,
        by=p.chad,
        kind="assign_owner",
        text="Hugo to propose staffing",
        owner=p.hugo,
        due=TODAY + timedelta(days=5),
    )
    services.review_close(review=earlier, by=p.chad)
    return services.review_schedule(committee=committee, by=p.alice, scheduled_for=TODAY)


@pytest.mark.django_db
def test_opening_a_review_proposes_an_agenda_from_the_data(p, scenario):
    services.review_open(review=scenario, by=p.sue)
    items = list(scenario.items.order_by("order"))
    titles = [i.title for i in items]
    assert "AHT" in titles  # red, owned by an overseen department
    assert "CSAT" in titles  # turned amber, an overseen metric
    assert "WEB_ERR" not in titles  # red but outside the scope
    assert "Calls at risk" in titles and "Web fine" not in titles
    assert any(t.startswith("Follow-up: Hugo to propose staffing") for t in titles)
    money = [i.value_at_stake or 0 for i in items]
    assert money == sorted(money, reverse=True)  # ordered by money at stake
    assert Review.objects.get(pk=scenario.pk).status == "in_session"


@pytest.mark.django_db
def test_a_metric_amber_in_both_months_is_not_proposed_again(p, hierarchy, committee):
    measure(p, "CSAT", MONTH_BEFORE, 77, department="")
    measure(p, "CSAT", LAST_MONTH, 76, department="")
    rollup.rollup_dirty()
    assert (
        RollupSnapshot.objects.get(
            metric__code="CSAT", period_kind="month", period_start=LAST_MONTH, scope_kind="org"
        ).status
        == "amber"
    )
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=TODAY)
    services.review_open(review=review, by=p.chad)
    assert not review.items.filter(metric__code="CSAT").exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_notes_at_once_both_keep_their_notes(p, scenario):
    services.review_open(review=scenario, by=p.chad)
    item = scenario.items.first()
    barrier = threading.Barrier(2)

    def write(user, text):
        barrier.wait()
        try:
            services.note_add(item=item, by=user, text=text)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(p.chad, "chair's note")),
        threading.Thread(target=write, args=(p.sue, "secretary's note")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ReviewNote.objects.filter(item=item).values_list("text", flat=True)) == [
        "chair's note",
        "secretary's note",
    ]


@pytest.mark.django_db
def test_create_action_plan_decision_makes_a_linked_draft_for_the_owner_department(client, p, scenario):
    services.review_open(review=scenario, by=p.chad)
    item = scenario.items.get(metric__code="AHT")
    client.force_login(p.chad)
    response = client.post(
        reverse("committees:decision-add", args=[item.pk]),
        {
            "kind": "create_action_plan",
            "text": "Cut handle time with better scripts",
            "owner": p.hugo.pk,
            "owner_department": p.service.pk,
            "due": (TODAY + timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(text="Cut handle time with better scripts")
    plan = decision.linked_plan
    assert plan.status == ActionPlan.Status.DRAFT
    assert plan.owner_department == p.service
    assert plan.sponsoring_committee == scenario.committee
    assert plan.impacts.filter(metric__code="AHT").exists()
    assert Notification.objects.filter(
        recipient=p.hugo, url=reverse("actions:plan-detail", args=[plan.pk])
    ).exists()
    client.force_login(p.erin)
    listing = client.get(
        reverse("actions:plan-list") + f"?committee={scenario.committee.pk}"
    ).content.decode()
    assert "Cut handle time with better scripts" in listing


@pytest.mark.django_db
def test_change_target_decision_is_confirmed_by_the_cx_leader_through_the_metric_service(client, p, scenario):
    services.review_open(review=scenario, by=p.chad)
    item = scenario.items.get(metric__code="AHT")
    start = TODAY.replace(day=1)
    services.decision_create(
        item=item,
        by=p.chad,
        kind="change_target",
        text="Stretch AHT",
        target_value=280,
        target_valid_from=start,
    )
    proposal = TargetChangeProposal.objects.get()
    assert Notification.objects.filter(recipient=p.alice, kind="target_proposal").exists()
    client.force_login(p.chad)
    refused = client.post(
        reverse("committees:proposal-detail", args=[proposal.pk]), {"decision": "confirm", "version": 1}
    )
    assert refused.status_code == 403
    DirtyPeriod.objects.all().delete()
    client.force_login(p.alice)
    client.post(
        reverse("committees:proposal-detail", args=[proposal.pk]), {"decision": "confirm", "version": 1}
    )
    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    new = Target.objects.get(metric__code="AHT", valid_from=start, department__isnull=True)
    assert new.value == 280
    old = Target.objects.get(metric__code="AHT", valid_from=date(2023, 1, 1))
    assert old.valid_to == start - timedelta(days=1)
    assert DirtyPeriod.objects.filter(metric__code="AHT").exists()  # the roll-up follows


@pytest.mark.django_db
def test_closing_freezes_figures_locks_and_schedules_the_next_review(client, p, scenario):
    services.review_open(review=scenario, by=p.chad)
    services.attendance_set(review=scenario, by=p.chad, attendees=[p.chad, p.mia])
    item = scenario.items.get(metric__code="AHT")
    services.decision_create(
        item=item,
        by=p.chad,
        kind="escalate",
        text="Escalate staffing to the board",
        owner=p.mia,
        due=TODAY + timedelta(days=7),
    )
    client.force_login(p.sue)
    assert client.post(reverse("committees:review-close", args=[scenario.pk])).status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == "closed"
    frozen = AgendaItem.objects.get(pk=item.pk).figures
    assert frozen["actual"] == pytest.approx(700)
    assert Review.objects.filter(
        committee=scenario.committee, status="scheduled", scheduled_for__gt=scenario.scheduled_for
    ).exists()
    assert Notification.objects.filter(kind="minutes", recipient=p.mia).exists()
    # A later roll-up changes the snapshot; the minutes keep the figures of the meeting.
    measure(p, "AHT", LAST_MONTH, 100)
    rollup.rollup_dirty()
    minutes = client.get(reverse("committees:minutes", args=[scenario.pk])).content.decode()
    assert "700.00" in minutes
    assert "Escalate staffing to the board" in minutes


@pytest.mark.django_db
def test_minutes_pdf_contains_the_decisions(client, p, scenario):
    from io import BytesIO

    services.review_open(review=scenario, by=p.chad)
    item = scenario.items.first()
    services.decision_create(item=item, by=p.chad, kind="note", text="Quarterly deep dive agreed")
    services.review_close(review=scenario, by=p.chad)
    client.force_login(p.erin)
    response = client.get(reverse("committees:minutes-pdf", args=[scenario.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(BytesIO(response.content))
    assert "Quarterly deep dive agreed" in text


def pdf_text(stream) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(stream).pages)


MUTATIONS = [
    ("committees:review-open", "review", {}),
    ("committees:item-add", "review", {"title": "late"}),
    ("committees:attendance", "review", {"attendees": []}),
    ("committees:review-close", "review", {}),
    ("committees:item-remove", "item", {}),
    ("committees:item-move", "item", {"direction": "up"}),
    ("committees:note-add", "item", {"text": "late note"}),
    ("committees:decision-add", "item", {"kind": "note", "text": "late decision"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "target", "data"), MUTATIONS)
def test_a_closed_review_cannot_be_changed_by_anyone(client, p, scenario, name, target, data):
    from tests.matrix.harness import database_digest

    services.review_open(review=scenario, by=p.chad)
    services.agenda_add_free(review=scenario, by=p.chad, title="Extra")
    services.review_close(review=scenario, by=p.chad)
    pk = scenario.pk if target == "review" else scenario.items.last().pk
    before = database_digest()
    for user in (p.alice, p.chad, p.sue, p.mia, p.erin):
        client.force_login(user)
        response = client.post(reverse(name, args=[pk]), data)
        assert response.status_code == 403, (name, user)
    assert database_digest() == before


@pytest.mark.django_db
def test_closed_review_text_is_locked_but_the_owner_updates_the_status(client, p, scenario, api):
    services.review_open(review=scenario, by=p.chad)
    item = scenario.items.first()
    decision = services.decision_create(
        item=item, by=p.chad, kind="assign_owner", text="Mia follows up", owner=p.mia
    )
    services.review_close(review=scenario, by=p.chad)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.decision_update(decision=decision, by=p.alice, version=decision.version, text="rewritten")
    client.force_login(p.mia)
    response = client.post(
        reverse("committees:decision-status", args=[decision.pk]),
        {"status": "done", "version": decision.version},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "done" and decision.done_at is not None
    assert decision.text == "Mia follows up"
    assert (
        api(p.alice_token)
        .patch(f"/api/v1/reviews/{scenario.pk}/", {"status": "in_session"}, format="json")
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_a_metric_turning_red_notifies_the_chairs_of_committees_overseeing_it(p, hierarchy, committee):
    measure(p, "AHT", TODAY.replace(day=1), 250)
    rollup.rollup_dirty()
    measure(p, "AHT", TODAY.replace(day=1), 900)
    rollup.rollup_dirty()
    assert Notification.objects.filter(kind="metric_red_committee", recipient=p.chad).exists()


@pytest.mark.django_db
def test_open_decisions_show_on_their_department_page_and_overdue_ones_in_the_digest(client, p, scenario):
    services.review_open(review=scenario, by=p.chad)
    item = scenario.items.first()
    services.decision_create(
        item=item,
        by=p.chad,
        kind="assign_owner",
        text="Late decision for Service",
        owner=p.hugo,
        owner_department=p.service,
        due=TODAY - timedelta(days=2),
    )
    client.force_login(p.erin)
    page = client.get(reverse("organization:department-detail", args=[p.service.pk])).content.decode()
    assert "Late decision for Service" in page
    Notification.objects.all().delete()
    send_daily_digest()
    digest = Notification.objects.get(kind="digest", recipient=p.hugo)
    assert "Late decision for Service" in digest.body


def _grow(p, n):
    for i in range(n):
        c = services.committee_create(by=p.alice, name=f"Group {i}", chair=p.chad, members=[p.mia, p.sue])
        r = services.review_schedule(committee=c, by=p.alice, scheduled_for=TODAY)
        services.review_open(review=r, by=p.alice)


@pytest.mark.django_db
def test_committee_list_and_workspace_queries_are_bounded(client, p, scenario):
    services.review_open(review=scenario, by=p.chad)
    client.force_login(p.chad)
    urls = [reverse("committees:committee-list"), reverse("committees:review-detail", args=[scenario.pk])]

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx))
        return result

    small = counts()
    _grow(p, 5)
    for i in range(10):
        item = services.agenda_add_free(review=scenario, by=p.chad, title=f"Item {i}")
        services.note_add(item=item, by=p.chad, text="n")
        services.decision_create(item=item, by=p.chad, kind="note", text=f"d{i}", owner=p.mia)
    assert counts() == small


@pytest.mark.django_db
def test_next_review_date_follows_the_cadence():
    assert services.next_review_date("weekly", date(2026, 1, 30)) == date(2026, 2, 6)
    assert services.next_review_date("monthly", date(2026, 1, 31)) == date(2026, 2, 28)
    assert services.next_review_date("quarterly", date(2026, 11, 15)) == date(2027, 2, 15)


@pytest.mark.django_db
def test_agenda_period_is_the_last_closed_month(p, committee):
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=date(2025, 3, 12))
    assert str(agenda.agenda_period(review)) == "2025-02"


def _closed_review_with(p, committee, n_items: int) -> Review:
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=TODAY)
    services.review_open(review=review, by=p.chad)
    for i in range(n_items):
        item = services.agenda_add_free(review=review, by=p.chad, title=f"Item {i}")
        services.note_add(item=item, by=p.chad, text=f"note {i}")
        services.note_add(item=item, by=p.sue, text=f"second note {i}")
        services.decision_create(item=item, by=p.chad, kind="note", text=f"d{i}", owner=p.mia)
    services.review_close(review=review, by=p.chad)
    return review


@pytest.mark.django_db
def test_minutes_run_as_many_queries_for_many_items_as_for_few(client, p, scenario):
    """The minutes of a closed review (the pages bench, issue 22): no query per agenda
    item, note or decision."""
    few = _closed_review_with(p, scenario.committee, 1)
    many = _closed_review_with(p, scenario.committee, 12)
    client.force_login(p.mia)

    def count(review):
        url = reverse("committees:minutes", args=[review.pk])
        client.get(url)  # per-process caches (content types) outside the count
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert "d0" in response.content.decode()
        return len(ctx)

    assert count(many) == count(few)
