"""Topic spikes (DESIGN §5): ISO weeks, Monday to Sunday in the installation's time zone.
The last complete week's count per topic > 2 × the mean of the 8 weeks before it, and at
least 5 items, is a spike: the CX leader is told once, and the committees whose scope holds
a department the week's items were routed to are proposed the theme for their agenda."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FeedbackItem, Routing, Spike

WEEKS_BEFORE = 8
FACTOR = 2
MINIMUM = 5


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)), timezone.get_current_timezone())


def weekly_counts(topic: str, first_week: date, weeks: int) -> list[int]:
    """Items of `topic` per ISO week, for `weeks` weeks from the Monday `first_week`."""
    end = first_week + timedelta(weeks=weeks)
    counts: Counter = Counter()
    for received_at in FeedbackItem.objects.filter(
        topic=topic, received_at__gte=_aware(first_week), received_at__lt=_aware(end)
    ).values_list("received_at", flat=True):
        counts[week_start(timezone.localtime(received_at).date())] += 1
    return [counts[first_week + timedelta(weeks=i)] for i in range(weeks)]


def is_spike(count: int, before: list[int]) -> bool:
    mean = sum(before) / len(before) if before else 0.0
    return count >= MINIMUM and count > FACTOR * mean


def threshold(before: list[int]) -> float:
    """The count a week must exceed (and reach at least MINIMUM) to be a spike."""
    return FACTOR * (sum(before) / len(before) if before else 0.0)


@transaction.atomic
def check(topics=None, *, today: date | None = None) -> list[Spike]:
    """Check the last complete week for these topics (None: every topic that had items)."""
    today = today or timezone.localdate()
    week = week_start(today) - timedelta(weeks=1)
    if topics is None:
        topics = set(
            FeedbackItem.objects.filter(
                received_at__gte=_aware(week), received_at__lt=_aware(week + timedelta(weeks=1))
            )
            .exclude(topic="")
            .values_list("topic", flat=True)
        )
    found = []
    for topic in sorted({t for t in topics if t}):
        counts = weekly_counts(topic, week - timedelta(weeks=WEEKS_BEFORE), WEEKS_BEFORE + 1)
        before, count = counts[:-1], counts[-1]
        if not is_spike(count, before):
            continue
        spike, created = Spike.objects.get_or_create(
            topic=topic, week_start=week, defaults={"count": count, "mean_before": sum(before) / len(before)}
        )
        if created:
            _announce(spike, week)
            found.append(spike)
    return found


def _announce(spike: Spike, week: date) -> None:
    from apps.committees.models import Committee
    from apps.notifications.services import notify

    from .services import cx_leaders

    url = reverse("feedback:theme-detail", args=[spike.topic])

    def subject():
        return _("Feedback spike: %(topic)s, %(n)s items in the week of %(week)s") % {
            "topic": spike.topic,
            "n": spike.count,
            "week": week.isoformat(),
        }

    for leader in cx_leaders():
        notify(
            recipient=leader,
            kind="feedback_spike",
            subject=subject,
            url=url,
            dedupe_key=f"feedback-spike:{spike.topic}:{week.isoformat()}:{leader.pk}",
        )
    departments = set(
        Routing.objects.filter(
            item__topic=spike.topic,
            item__received_at__gte=_aware(week),
            item__received_at__lt=_aware(week + timedelta(weeks=1)),
        ).values_list("department_id", flat=True)
    )
    committees = list(
        Committee.objects.filter(archived=False, scope_departments__in=departments)
        .select_related("chair")
        .distinct()
    )
    spike.committees.set(committees)
    for committee in committees:
        notify(
            recipient=committee.chair,
            kind="feedback_spike_agenda",
            subject=lambda name=committee.name: (
                _("Proposed for the agenda of %(c)s: %(s)s") % {"c": name, "s": subject()}
            ),
            url=url,
            dedupe_key=f"feedback-spike:{spike.topic}:{week.isoformat()}:chair:{committee.pk}",
        )
