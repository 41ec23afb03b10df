"""Spikes at the boundary (DESIGN §5): ISO weeks, Monday to Sunday in the installation's
time zone; the last complete week > 2 × the mean of the 8 weeks before, and at least 5."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.feedback import spikes
from apps.feedback.models import FeedbackItem, Spike
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)  # a Wednesday: the last complete week is 16–22 November
LAST_WEEK = date(2026, 11, 16)


def local(day: date, hour=12, minute=0):
    return timezone.make_aware(
        datetime(day.year, day.month, day.day, hour, minute), timezone.get_current_timezone()
    )


def items(topic, when, n):
    FeedbackItem.objects.bulk_create(
        FeedbackItem(
            source="t", external_id=f"{topic}-{when.isoformat()}-{i}", received_at=when, text="x", topic=topic
        )
        for i in range(n)
    )


def weeks_before(topic, per_week):
    for k in range(1, 9):
        items(topic, local(LAST_WEEK - timedelta(weeks=k), hour=10), per_week)


def test_exactly_twice_the_mean_is_not_a_spike_and_one_more_is(p):
    weeks_before("exact", 3)
    items("exact", local(LAST_WEEK + timedelta(days=2)), 6)
    weeks_before("above", 3)
    items("above", local(LAST_WEEK + timedelta(days=2)), 7)
    found = spikes.check(today=TODAY)
    assert [(s.topic, s.count, s.mean_before) for s in found] == [("above", 7, 3.0)]


def test_four_items_are_never_a_spike_even_after_weeks_of_nothing(p):
    items("four", local(LAST_WEEK), 4)
    items("five", local(LAST_WEEK), 5)
    assert [s.topic for s in spikes.check(today=TODAY)] == ["five"]


def test_weeks_run_monday_to_sunday_in_the_installations_time_zone(p):
    # Sunday 22 Nov 23:30 in Madrid is still last week (22:30 UTC); Monday 16 Nov 00:30 in
    # Madrid too (Sunday 23:30 UTC); Monday 23 Nov 00:30 in Madrid is this week.
    items("tz", local(date(2026, 11, 22), 23, 30), 2)
    items("tz", local(date(2026, 11, 16), 0, 30), 2)
    items("tz", local(date(2026, 11, 23), 0, 30), 5)
    assert spikes.weekly_counts("tz", LAST_WEEK, 2) == [4, 5]
    assert spikes.check(today=TODAY) == []
    items("tz", local(date(2026, 11, 16), 0, 5), 1)
    assert [s.count for s in spikes.check(today=TODAY)] == [5]


def test_a_spike_tells_the_cx_leader_once_and_proposes_the_theme_to_committees_in_scope(p):
    from apps.committees import services as committee_services
    from apps.feedback import services

    committee = committee_services.committee_create(
        by=p.alice, name="Service board", chair=p.hugo, scope_departments=[p.service]
    )
    committee_services.committee_create(
        by=p.alice, name="Web board", chair=p.wanda, scope_departments=[p.website]
    )
    items("login", local(LAST_WEEK), 5)
    services.items_route(items=list(FeedbackItem.objects.all()), by=p.alice, departments=[p.service])
    (spike,) = spikes.check(today=TODAY)
    assert spikes.check(today=TODAY) == []
    assert list(spike.committees.all()) == [committee]
    assert Notification.objects.filter(recipient=p.alice, kind="feedback_spike").count() == 1
    assert Notification.objects.filter(recipient=p.hugo, kind="feedback_spike_agenda").count() == 1
    assert not Notification.objects.filter(recipient=p.wanda, kind="feedback_spike_agenda").exists()
    assert Spike.objects.count() == 1
