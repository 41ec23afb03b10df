"""The objects the matrix runs against: personas plus, per app, one object in the
"own" department (Customer Service) and one in the "other" (Website)."""

from datetime import date
from types import SimpleNamespace

from apps.actions import services as plan_services
from apps.metrics import services as metric_services
from apps.metrics.models import RollupRun
from apps.notifications.models import Notification
from apps.organization.models import ApiToken
from tests.personas import make_personas


def build_world() -> SimpleNamespace:
    p = make_personas()
    world = SimpleNamespace(**vars(p))
    world.alice_token_obj = ApiToken.objects.get(user=p.alice)
    world.hugo_notification = Notification.objects.create(
        recipient=p.hugo, kind="test", subject="For Hugo", url="/"
    )
    # Metrics: AHT is owned by the "own" department (Customer Service).
    world.aht = metric_services.metric_create(
        by=p.alice,
        code="AHT",
        name="Handle time",
        level="operational",
        direction="lower_is_better",
        aggregation="mean",
        frequency="monthly",
        owner=p.hugo,
        owner_department=p.service,
    )
    world.csat = metric_services.metric_create(
        by=p.alice,
        code="CSAT",
        name="CSAT",
        level="experience",
        direction="higher_is_better",
        aggregation="mean",
        frequency="monthly",
    )
    world.link = metric_services.link_create(
        by=p.alice, child=world.aht, parent=world.csat, weight=1, impact=-0.1
    )
    world.target = metric_services.target_create(
        by=p.alice, metric=world.aht, valid_from=date(2024, 1, 1), value=300
    )
    world.rollup_run = RollupRun.objects.create(mode="full", requested_by=p.alice)
    # Plans: one of the own department (Hugo heads it, Cora owns its milestone), one of
    # the other (Wanda, Carl).
    world.plan_own = plan_services.plan_create(
        by=p.alice, title="Shorter calls", owner_department=p.service, owner=p.hugo, status="active"
    )
    world.plan_other = plan_services.plan_create(
        by=p.alice, title="Fix checkout", owner_department=p.website, owner=p.wanda, status="active"
    )
    world.milestone_own = plan_services.milestone_create(
        plan=world.plan_own, by=p.alice, title="Script", owner=p.cora
    )
    world.milestone_other = plan_services.milestone_create(
        plan=world.plan_other, by=p.alice, title="Hotfix", owner=p.carl
    )
    build_committee(world)
    build_incentives(world)
    build_feedback(world)
    world.impact_own = plan_services.impact_set(
        plan=world.plan_own, by=p.alice, metric=world.aht, expected_change=-10
    )
    world.actors = {
        "cx_leader": p.alice,
        "executive": p.erin,
        "head_own": p.hugo,
        "head_other": p.wanda,
        "contributor_own": p.cora,
        "contributor_other": p.carl,
        "chair": p.chad,
        "secretary": p.sue,
        "member": p.mia,
    }
    return world


def build_committee(world) -> None:
    from apps.committees import services as committee_services
    from apps.committees.models import Decision, TargetChangeProposal

    committee = committee_services.committee_create(
        by=world.alice,
        name="Contact centre group",
        chair=world.chad,
        secretary=world.sue,
        members=[world.mia],
        scope_departments=[world.service],
        scope_metrics=[world.aht],
    )
    world.committee = committee
    world.review_scheduled = committee_services.review_schedule(
        committee=committee, by=world.alice, scheduled_for=date(2025, 6, 1)
    )
    world.review_open = committee_services.review_schedule(
        committee=committee, by=world.alice, scheduled_for=date(2025, 5, 1)
    )
    committee_services.review_open(review=world.review_open, by=world.alice)
    world.item = committee_services.agenda_add_free(
        review=world.review_open, by=world.alice, title="Handle time"
    )
    world.item_spare = committee_services.agenda_add_free(
        review=world.review_open, by=world.alice, title="Spare"
    )
    world.decision = committee_services.decision_create(
        item=world.item, by=world.alice, kind=Decision.Kind.ASSIGN_OWNER, text="Mia reports", owner=world.mia
    )
    closed = committee_services.review_schedule(
        committee=committee, by=world.alice, scheduled_for=date(2025, 4, 1)
    )
    committee_services.review_open(review=closed, by=world.alice)
    closed_item = committee_services.agenda_add_free(review=closed, by=world.alice, title="Closed item")
    world.decision_closed = committee_services.decision_create(
        item=closed_item,
        by=world.alice,
        kind=Decision.Kind.ASSIGN_OWNER,
        text="Mia closes it",
        owner=world.mia,
    )
    committee_services.review_close(review=closed, by=world.alice)
    world.review_closed = closed
    world.proposal = TargetChangeProposal.objects.create(
        metric=world.aht, valid_from=date(2026, 1, 1), value=290, proposed_by=world.chad
    )


def build_incentives(world) -> None:
    """Bonus plans in each state. Hugo (head of the own department) and Cora (contributor
    in it) take part; Wanda and Carl (the other department) do not. Cora's terms are
    distinctive (7,777.77) so the leak tests can look for them in every response."""
    from apps.incentives import services as incentive_services

    svc = incentive_services

    def plan(name, period="2025"):
        created = svc.plan_create(by=world.alice, name=name, period=period)
        svc.participant_add(plan=created, by=world.alice, person=world.hugo, target_bonus=10_000, cx_share=20)
        svc.participant_add(
            plan=created, by=world.alice, person=world.cora, target_bonus=7777.77, cx_share=30
        )
        svc.component_add(
            plan=created, by=world.alice, metric=world.csat, threshold=60, target=80, maximum=90
        )
        svc.component_add(
            plan=created,
            by=world.alice,
            metric=world.aht,
            scope="department",
            threshold=320,
            target=300,
            maximum=270,
        )
        return created

    world.bonus_draft = plan("Draft bonus")
    world.bonus_submitted = svc.plan_submit(plan=plan("Submitted bonus"), by=world.alice)
    approved = svc.plan_submit(plan=plan("Approved bonus"), by=world.alice)
    world.bonus_approved = svc.plan_approve(plan=approved, by=world.erin)
    closed = svc.plan_submit(plan=plan("Closed bonus"), by=world.alice)
    closed = svc.plan_approve(plan=closed, by=world.erin)
    world.bonus_closed = svc.plan_close(plan=closed, by=world.alice, today=date(2026, 1, 10))
    for name in ("draft", "approved", "closed"):
        plan_obj = getattr(world, f"bonus_{name}")
        setattr(world, f"hugo_in_{name}", plan_obj.participants.get(person=world.hugo))
        setattr(world, f"cora_in_{name}", plan_obj.participants.get(person=world.cora))
        setattr(world, f"component_{name}", plan_obj.components.order_by("pk").first())


def build_feedback(world) -> None:
    """Self-service items routed to the own department (Customer Service): one waiting for
    its answer, one closed, one flagged as a possible duplicate; a done plan linked to one."""
    from django.utils import timezone

    from apps.feedback import ingest
    from apps.feedback import services as feedback_services

    world.fb_rule = feedback_services.rule_create(
        by=world.alice, name="Self-service", topic="self_service", departments=[world.service]
    )
    now = timezone.now().isoformat()
    rows = [
        {
            "source": "survey",
            "external_id": f"W-{n}",
            "received_at": now,
            "text": text,
            "topic": "self_service",
            "may_contact": True,
            "customer_reference": ref,
        }
        for n, text, ref in (
            (1, "Logged out twice", "c-1"),
            (2, "Password reset loops", "c-2"),
            (3, "Password reset loops again", "c-2"),
            (4, "Cannot find invoices", "c-4"),
        )
    ]
    ids = ingest.feedback_ingest(rows=rows, by=world.alice).created
    feedback_services.items_route_by_rules(item_ids=ids)
    from apps.feedback.models import FeedbackItem

    world.fb_item, closed, world.fb_duplicate, linked = (FeedbackItem.objects.get(pk=pk) for pk in ids)
    feedback_services.item_close(item=closed, by=world.alice, reason="not_actionable")
    world.fb_closed = closed
    world.plan_done = plan_services.plan_create(
        by=world.alice, title="Invoices page", owner_department=world.service, owner=world.hugo, status="done"
    )
    feedback_services.item_acknowledge(
        item=linked, by=world.hugo, department=world.service, plan=world.plan_done
    )
