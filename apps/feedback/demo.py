"""Demo feedback: a few hundred items over the last four months, in English and Spanish,
routed by rules to the five departments of the sources' example (self-service feedback
goes to CX, Product, Website, Customer Service and Marketing at once), most acknowledged,
some overdue, many closed; a self-service spike last month; the theme on the steering
committee's agenda of two weeks ago, whose decision created a plan (now done, so its page
offers "tell the affected customers"). Idempotent: skipped when the demo items exist."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from apps.organization.models import Department, User

from . import ingest, kpis, services, spikes
from .models import Acknowledgement, FeedbackItem, Routing

SOURCE = "demo-survey"

TEXTS = {
    "self_service": [
        "The self-service portal logged me out twice while I was paying.",
        "I could not find how to change my address in the customer area.",
        "El portal de autoservicio me echó dos veces mientras pagaba.",
        "No encuentro dónde descargar mis facturas en el área de cliente.",
        "Password reset link expired before the e-mail arrived; write to me at ana.perez@example.com",
        "La contraseña no se puede cambiar desde la app; llamadme al +34 612 345 678",
    ],
    "billing": [
        "I was charged twice this month.",
        "Me habéis cobrado dos veces la cuota de octubre.",
        "The invoice shows a service I cancelled; card 4111 1111 1111 1111 was charged.",
    ],
    "delivery": [
        "The parcel arrived three days late.",
        "El pedido llegó tarde y sin avisar.",
    ],
    "staff": [
        "The agent on the phone was very helpful, thank you!",
        "La persona de la tienda fue muy amable y resolvió todo.",
        "I waited 40 minutes on hold before anyone answered.",
    ],
    "app": [
        "The app crashes when I open my orders.",
        "La app se cierra al abrir los pedidos.",
    ],
}
WEIGHTS = {"self_service": 4, "billing": 3, "delivery": 2, "staff": 3, "app": 2}
CHANNELS = ["WEB", "APP", "PHONE", "EMAIL", "IN_PERSON", "SOCIAL"]
RULES = [
    (
        "Self-service (the sources' example)",
        "self_service",
        "",
        ["CX", "PRODUCT", "WEBSITE", "SERVICE", "MARKETING"],
    ),
    ("Billing", "billing", "", ["FINANCE", "SERVICE"]),
    ("Delivery", "delivery", "", ["OPERATIONS"]),
    ("App", "app", "", ["PRODUCT"]),
    ("Refunds (keyword)", "", "devolución", ["SERVICE"]),
]


def load(stdout=None) -> dict:
    if FeedbackItem.objects.filter(source=SOURCE).exists():
        return {}
    rng = random.Random(18)
    leader = User.objects.get(email="cx.leader@demo.cx")
    depts = {d.code: d for d in Department.objects.all()}
    with kpis.suspended():
        for name, topic, keyword, codes in RULES:
            services.rule_create(
                by=leader, name=name, topic=topic, keyword=keyword, departments=[depts[c] for c in codes]
            )
        now = timezone.now()
        spike_week = spikes.week_start(timezone.localdate() - timedelta(days=21))
        rows = []
        for n in range(260):
            topic = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
            received = now - timedelta(days=rng.uniform(0.2, 120), hours=rng.uniform(0, 12))
            rows.append(_row(rng, n, topic, received))
        # The spike: self-service log-outs after a release, in one week last month.
        for n in range(260, 290):
            start = timezone.make_aware(
                timezone.datetime.combine(spike_week, timezone.datetime.min.time()),
                timezone.get_current_timezone(),
            )
            rows.append(_row(rng, n, "self_service", start + timedelta(hours=rng.uniform(8, 7 * 24 - 8))))
        result = ingest.feedback_ingest(rows=rows, by=leader)
        items = list(FeedbackItem.objects.filter(pk__in=result.created).order_by("received_at"))
        services.items_route_by_rules(item_ids=[i.pk for i in items])
        heads = services._heads_by_department({d.pk for d in depts.values()})
        for item in items:
            routed_at = item.received_at + timedelta(hours=rng.uniform(0.1, 2))
            Routing.objects.filter(item=item).update(
                routed_at=routed_at, due_at=routed_at + timedelta(hours=48)
            )
            _answer(rng, item, heads, leader, now)
        spikes.check(["self_service"], today=spike_week + timedelta(days=8))
        _theme_on_agenda(leader, depts, items)
    kpis.refresh(kpis.months_to_refresh(back=4))
    if stdout:
        stdout.write(f"  feedback: {len(items)} items, {Acknowledgement.objects.count()} answers")
    return {}


def _row(rng, n, topic, received) -> dict:
    return {
        "source": SOURCE,
        "external_id": f"D-{n:04d}",
        "received_at": received.isoformat(),
        "channel": rng.choice(CHANNELS),
        "customer_reference": f"CRM-{rng.randint(1, 400):05d}",
        "may_contact": rng.random() < 0.75,
        "text": rng.choice(TEXTS[topic]),
        "rating": rng.randint(0, 10),
        "topic": topic,
        "sentiment": "positive" if topic == "staff" and rng.random() < 0.6 else "negative",
    }


def _answer(rng, item, heads, leader, now) -> None:
    age = now - item.received_at
    routings = list(Routing.objects.filter(item=item).select_related("department"))
    for routing in routings:
        # Recent items: some still waiting (a few of those overdue); older ones mostly answered.
        if age < timedelta(days=4) and rng.random() < 0.6 or rng.random() < 0.08:
            continue
        head = (heads.get(routing.department_id) or [leader])[0]
        at = routing.routed_at + timedelta(hours=rng.uniform(1, 70))
        if at > now:
            continue
        services.item_acknowledge(
            item=item, by=head, department=routing.department, note="Seen; on our list."
        )
        Acknowledgement.objects.filter(routing=routing).update(at=at)
    item.refresh_from_db()
    if age > timedelta(days=10) and rng.random() < 0.7:
        reason = "customer_informed" if item.may_contact else "no_consent"
        told = "We fixed it and apologised; thank you for telling us." if item.may_contact else ""
        services.item_close(item=item, by=leader, reason=reason, told=told)
        closed_at = item.received_at + timedelta(days=rng.uniform(1, 12))
        FeedbackItem.objects.filter(pk=item.pk).update(
            closed_at=closed_at, informed_at=closed_at if item.may_contact else None
        )


def _theme_on_agenda(leader, depts, items) -> None:
    from apps.actions import services as plan_services
    from apps.committees import services as committee_services
    from apps.committees.models import Committee, Decision

    committee = Committee.objects.filter(kind="steering").order_by("pk").first()
    if committee is None:
        return
    review = committee_services.review_schedule(
        committee=committee, by=leader, scheduled_for=timezone.localdate() - timedelta(weeks=2)
    )
    committee_services.review_open(review=review, by=leader)
    theme = services.theme_put_on_agenda(topic="self_service", review=review, by=leader)
    decision = committee_services.decision_create(
        item=theme.agenda_item,
        by=leader,
        kind=Decision.Kind.CREATE_ACTION_PLAN,
        text="Fix the self-service log-outs and tell the customers who reported them",
        owner=User.objects.filter(email="head.website@demo.cx").first(),
        owner_department=depts["WEBSITE"],
    )
    committee_services.review_close(review=review, by=leader)
    plan = decision.linked_plan
    plan_services.plan_update(plan=plan, by=leader, version=plan.version, status="done")
    # Website linked it when acknowledging the latest self-service items.
    for routing in Routing.objects.filter(
        item__topic="self_service", department=depts["WEBSITE"], acknowledgement__isnull=False
    ).order_by("-routed_at")[:10]:
        Acknowledgement.objects.filter(routing=routing).update(plan=plan)
        services._refresh_status(routing.item, by=leader)
