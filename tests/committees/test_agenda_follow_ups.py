"""The generated agenda merges follow-ups on one subject into one item, every open decision
listed under it (#19 item 8); follow-ups on a metric already on the agenda join its item."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from apps.committees import agenda, services
from apps.committees.models import AgendaItem
from apps.metrics import rollup
from tests.committees.test_committees import LAST_MONTH, MONTH_BEFORE, TODAY, measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(p, hierarchy):
    return services.committee_create(
        by=p.alice,
        name="Service review",
        chair=p.chad,
        secretary=p.sue,
        members=[p.mia, p.hugo],
        scope_departments=[p.service],
    )


def earlier_decisions(p, committee, *, item_title, metric=None, texts=()):
    earlier = services.review_schedule(
        committee=committee, by=p.alice, scheduled_for=TODAY - timedelta(days=30)
    )
    services.review_open(review=earlier, by=p.chad)
    item = services.agenda_add_free(review=earlier, by=p.chad, title=item_title or "Metric item")
    if metric is not None:  # as the generated agenda puts a red metric on it
        AgendaItem.objects.filter(pk=item.pk).update(kind=AgendaItem.Kind.METRIC, metric=metric)
        item.refresh_from_db()
    for i, text in enumerate(texts):
        services.decision_create(
            item=item,
            by=p.chad,
            kind="assign_owner",
            text=text,
            owner=p.hugo,
            due=TODAY + timedelta(days=i + 1),
        )
    services.review_close(review=earlier, by=p.chad)


def test_three_decisions_on_one_subject_make_one_item_listing_them(p, committee):
    earlier_decisions(p, committee, item_title="Staffing", texts=["Hire two", "Train five", "Report back"])
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=TODAY)
    services.review_open(review=review, by=p.chad)
    follow_ups = list(review.items.filter(kind=AgendaItem.Kind.FOLLOW_UP))
    assert len(follow_ups) == 1
    assert follow_ups[0].title == "Follow-up: Staffing" and follow_ups[0].reason == "3 open decisions"
    figures = {i.pk: f for i, f in agenda.item_figures(review)}[follow_ups[0].pk]
    assert [d["text"] for d in figures["open_decisions"]] == ["Hire two", "Train five", "Report back"]
    client = Client()
    client.force_login(p.chad)
    page = client.get(reverse("committees:review-detail", args=[review.pk])).content.decode()
    section = page.split("Open decisions on this subject", 1)[1]
    assert "Hire two" in section and "Train five" in section and "Report back" in section


def test_follow_ups_on_a_red_metric_join_that_metric_s_item(p, committee, hierarchy):
    from apps.metrics.models import Metric

    measure(p, "AHT", MONTH_BEFORE, 600)
    measure(p, "AHT", LAST_MONTH, 700)
    rollup.rollup_dirty()
    earlier_decisions(
        p, committee, item_title="", metric=Metric.objects.get(code="AHT"), texts=["Shorter scripts"]
    )
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=TODAY)
    services.review_open(review=review, by=p.chad)
    items = list(review.items.all())
    assert [i.kind for i in items if i.metric and i.metric.code == "AHT"] == [AgendaItem.Kind.METRIC]
    assert not [i for i in items if i.kind == AgendaItem.Kind.FOLLOW_UP]
    aht = next(i for i in items if i.kind == AgendaItem.Kind.METRIC and i.metric.code == "AHT")
    figures = {i.pk: f for i, f in agenda.item_figures(review)}[aht.pk]
    assert [d["text"] for d in figures["open_decisions"]] == ["Shorter scripts"]


def test_the_minutes_keep_the_list_as_it_was_at_close(p, committee):
    earlier_decisions(p, committee, item_title="Staffing", texts=["Hire two", "Train five"])
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=TODAY)
    services.review_open(review=review, by=p.chad)
    services.review_close(review=review, by=p.chad)
    item = review.items.get(kind=AgendaItem.Kind.FOLLOW_UP)
    assert [d["text"] for d in item.figures["open_decisions"]] == ["Hire two", "Train five"]
