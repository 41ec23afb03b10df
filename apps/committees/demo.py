"""Demo committees: a CX steering committee and two working groups (digital channels,
contact centre) with members across departments, two earlier reviews with decisions, and
one scheduled review ready to run. Idempotent: keyed on committee names."""

from datetime import timedelta

from django.utils import timezone

from apps.metrics.models import Metric
from apps.organization.models import Department, User

from . import services
from .models import Committee, Decision, Review

COMMITTEES = [
    (
        "CX steering committee",
        "steering",
        "cx.leader@demo.cx",
        "executive@demo.cx",
        ["head.service@demo.cx", "head.website@demo.cx", "head.product@demo.cx", "head.marketing@demo.cx"],
        "monthly",
        ["REVENUE", "CHURNED_REV", "RETENTION", "CSAT", "NPS"],
        ["CX", "FINANCE"],
        "Oversees the CX programme: the metric hierarchy, the cost of not improving and the "
        "cross-functional plans.",
    ),
    (
        "Digital channels working group",
        "working_group",
        "head.website@demo.cx",
        "contributor.web@demo.cx",
        ["head.product@demo.cx", "head.marketing@demo.cx", "cx.leader@demo.cx"],
        "biweekly",
        ["SELF_SERVICE", "CES"],
        ["WEBSITE", "PRODUCT"],
        "Web and app experience: checkout, self-service, effort.",
    ),
    (
        "Contact centre working group",
        "working_group",
        "head.service@demo.cx",
        "contributor@demo.cx",
        ["cx.leader@demo.cx", "head.product@demo.cx"],
        "weekly",
        ["FCR", "AHT"],
        ["SERVICE", "CONTACT"],
        "Phone, e-mail and in-person service: handle time, wait, first-contact resolution.",
    ),
]


def load(stdout=None) -> dict:
    today = timezone.localdate()
    leader = User.objects.get(email="cx.leader@demo.cx")
    people = {u.email: u for u in User.objects.all()}
    metrics = {m.code: m for m in Metric.objects.all()}
    depts = {d.code: d for d in Department.objects.all()}
    for name, kind, chair, secretary, members, cadence, metric_codes, dept_codes, charter in COMMITTEES:
        committee = Committee.objects.filter(name=name).first()
        if committee is None:
            committee = services.committee_create(
                by=leader,
                name=name,
                kind=kind,
                chair=people[chair],
                secretary=people[secretary],
                members=[people[m] for m in members],
                cadence=cadence,
                charter=charter,
                scope_metrics=[metrics[c] for c in metric_codes if c in metrics],
                scope_departments=[depts[c] for c in dept_codes],
            )
        if committee.reviews.exists():
            continue
        # Two earlier reviews, closed, with decisions; then one scheduled for today.
        for weeks_ago, decisions in ((8, 2), (4, 1)):
            review = services.review_schedule(
                committee=committee, by=leader, scheduled_for=today - timedelta(weeks=weeks_ago)
            )
            services.review_open(review=review, by=leader)
            services.attendance_set(
                review=review, by=leader, attendees=[committee.chair, *committee.members.all()]
            )
            item = review.items.first() or services.agenda_add_free(
                review=review, by=leader, title="Programme status"
            )
            services.note_add(item=item, by=committee.chair, text="Discussed the trend and the owners' view.")
            subject = item.metric.name if item.metric else item.title
            for n in range(decisions):
                owner = committee.members.order_by("email")[n % committee.members.count()]
                services.decision_create(
                    item=item,
                    by=leader,
                    kind=Decision.Kind.ASSIGN_OWNER if n == 0 else Decision.Kind.ESCALATE,
                    text=f"{owner.display_name} to report on {subject} with a recovery proposal",
                    owner=owner,
                    owner_department=owner.primary_department,
                    due=today - timedelta(weeks=weeks_ago) + timedelta(days=21),
                )
            services.review_close(review=review, by=leader)
        # review_close scheduled the next one from the cadence; make the demo's next review today.
        Review.objects.filter(committee=committee, status=Review.Status.SCHEDULED).update(scheduled_for=today)
    if stdout:
        stdout.write(
            f"  committees: {Committee.objects.count()} committees, {Review.objects.count()} reviews"
        )
    return {}
