"""A dozen demo plans across the departments — on track, at risk, overdue, done — tied to
the demo metrics with expected impacts and costs, so the ROI ranking and the
responsibility matrix tell a story. Idempotent: keyed on titles."""

from datetime import timedelta

from django.utils import timezone

from apps.metrics.models import Metric
from apps.organization.models import Department, User

from . import services
from .models import ActionPlan, Milestone

# title, owner dept, owner e-mail, contributing, status, start offset (days), due offset,
# cost, effort, [(metric, change)], [(milestone, owner e-mail, due offset, done?)], problem
PLANS = [
    (
        "Callback instead of queueing",
        "CONTACT",
        "head.service@demo.cx",
        ["OPERATIONS"],
        "at_risk",
        -120,
        30,
        45000,
        "M",
        [("WAIT", -15)],
        [
            ("Pilot on the phone line", "contributor@demo.cx", -60, True),
            ("Roll out to e-mail and chat", "contributor@demo.cx", -10, False),
            ("Staff the evening shift", "head.service@demo.cx", 20, False),
        ],
        "Wait times doubled after the hiring freeze; customers give up before reaching an agent.",
    ),
    (
        "Fix the checkout release",
        "WEBSITE",
        "head.website@demo.cx",
        ["PRODUCT", "SERVICE"],
        "active",
        -25,
        20,
        40000,
        "S",
        [("CHECKOUT_ERR", -100)],
        [
            ("Roll back the payment widget", "contributor.web@demo.cx", -15, True),
            ("Automated checkout smoke test", "contributor.web@demo.cx", 10, False),
        ],
        "Last month's release broke the checkout: errors nearly doubled.",
    ),
    (
        "First-contact resolution playbook",
        "SERVICE",
        "head.service@demo.cx",
        ["CX"],
        "active",
        -60,
        60,
        30000,
        "M",
        [("FCR", 1.5)],
        [
            ("Top 20 contact reasons mapped", "contributor@demo.cx", -20, True),
            ("Agent knowledge base", "contributor@demo.cx", 30, False),
        ],
        "Customers call twice for the same problem; each repeat contact costs and annoys.",
    ),
    (
        "Share feedback with five departments in real time",
        "CX",
        "cx.leader@demo.cx",
        ["PRODUCT", "WEBSITE", "SERVICE", "MARKETING"],
        "active",
        -90,
        90,
        25000,
        "M",
        [("CSAT", 0.03)],
        [
            ("Routing rules agreed", "cx.leader@demo.cx", -40, True),
            ("Weekly review ritual", "cx.leader@demo.cx", 15, False),
        ],
        "Feedback sits in one team; the departments that could fix it never see it.",
    ),
    (
        "Self-service help centre refresh",
        "WEBSITE",
        "head.website@demo.cx",
        ["SERVICE"],
        "active",
        -45,
        75,
        22000,
        "M",
        [("SELF_SERVICE", 3)],
        [("Top articles rewritten", "contributor.web@demo.cx", 20, False)],
        "Half of the contacts are questions the help centre could answer.",
    ),
    (
        "Simplify the returns form",
        "PRODUCT",
        "head.product@demo.cx",
        ["WEBSITE"],
        "blocked",
        -30,
        45,
        15000,
        "S",
        [("CES", -0.05)],
        [("Legal review of the new terms", "head.product@demo.cx", -5, False)],
        "Returning a product takes eleven fields and two e-mails.",
    ),
    (
        "Win-back campaign for churned customers",
        "MARKETING",
        "head.marketing@demo.cx",
        ["SALES"],
        "active",
        -20,
        100,
        50000,
        "L",
        [("RETENTION", 0.05)],
        [("Segment lapsed customers", "head.marketing@demo.cx", 10, False)],
        "Churned revenue is rising; nobody calls the customers who left.",
    ),
    (
        "Agent coaching on handle time",
        "CONTACT",
        "head.service@demo.cx",
        [],
        "done",
        -200,
        -30,
        12000,
        "S",
        [("AHT", -20)],
        [("Coaching sessions", "contributor@demo.cx", -40, True)],
        "Handle time was well above target in the contact centre.",
    ),
    (
        "Proactive delivery notifications",
        "OPERATIONS",
        "cx.leader@demo.cx",
        ["SERVICE", "WEBSITE"],
        "draft",
        10,
        150,
        None,
        "M",
        [("WAIT", -5), ("CSAT", 0.02)],
        [],
        "Where-is-my-order calls make up a fifth of the contact volume.",
    ),
    (
        "NPS closed-loop calls",
        "CX",
        "cx.leader@demo.cx",
        ["SALES"],
        "active",
        -70,
        -5,
        25000,
        "S",
        [("NPS", 1.5)],
        [
            ("Detractor call-back script", "cx.leader@demo.cx", -30, True),
            ("Call every detractor within 48 h", "contributor@demo.cx", -5, False),
        ],
        "Detractors never hear back; the survey feels pointless to them.",
    ),
    (
        "Billing letters in plain language",
        "FINANCE",
        "executive@demo.cx",
        ["SERVICE"],
        "at_risk",
        -50,
        10,
        25000,
        "M",
        [("CSAT", 0.02), ("CES", -0.03)],
        [("Rewrite the five most common letters", "executive@demo.cx", -2, False)],
        "Billing questions are the second contact reason.",
    ),
    (
        "Omnichannel agent desktop",
        "OPERATIONS",
        "cx.leader@demo.cx",
        ["SERVICE", "CONTACT"],
        "cancelled",
        -300,
        -100,
        250000,
        "L",
        [("AHT", -15)],
        [],
        "Replaced by the coaching plan: too costly for the expected gain.",
    ),
]


def load(stdout=None) -> dict:
    today = timezone.localdate()
    leader = User.objects.get(email="cx.leader@demo.cx")
    depts = {d.code: d for d in Department.objects.all()}
    metrics = {m.code: m for m in Metric.objects.all()}
    people = {u.email: u for u in User.objects.all()}
    count = 0
    for (
        title,
        dept,
        owner,
        contributing,
        status,
        start,
        due,
        cost,
        effort,
        impacts,
        milestones,
        problem,
    ) in PLANS:
        fields = {
            "owner_department": depts[dept],
            "owner": people[owner],
            "status": status,
            "start": today + timedelta(days=start),
            "due": today + timedelta(days=due),
            "cost_estimate": cost,
            "effort": effort,
            "problem_statement": problem,
        }
        plan = ActionPlan.objects.filter(title=title).first()
        if plan is None:
            plan = services.plan_create(
                by=leader, title=title, contributing_departments=[depts[c] for c in contributing], **fields
            )
        else:
            changed = {k: v for k, v in fields.items() if getattr(plan, k) != v}
            if changed:
                plan = services.plan_update(plan=plan, by=leader, version=plan.version, **changed)
        for code, change in impacts:
            if (
                code in metrics
                and not plan.impacts.filter(metric=metrics[code], expected_change=change).exists()
            ):
                services.impact_set(plan=plan, by=leader, metric=metrics[code], expected_change=change)
        for m_title, m_owner, m_due, done in milestones:
            milestone = Milestone.objects.filter(plan=plan, title=m_title).first()
            if milestone is None:
                milestone = services.milestone_create(
                    plan=plan,
                    by=leader,
                    title=m_title,
                    owner=people[m_owner],
                    due=today + timedelta(days=m_due),
                )
            if done and milestone.done_at is None:
                services.milestone_set_done(
                    milestone=milestone, by=people[m_owner], version=milestone.version, done=True
                )
        if not plan.updates.exists() and status in ("active", "at_risk", "blocked"):
            rag = {"active": "green", "at_risk": "amber", "blocked": "red"}[status]
            services.progress_post(
                plan=plan,
                by=people[owner],
                rag=rag,
                percent=40 if rag == "green" else 25,
                text={
                    "green": "On plan.",
                    "amber": "Slipping: staffing not confirmed.",
                    "red": "Waiting for legal.",
                }[rag],
            )
        count += 1
    if stdout:
        stdout.write(f"  actions: {count} plans")
    return {}
