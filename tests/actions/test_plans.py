"""Action plans: ROI by hand, no lost updates, pages, notifications, reminders."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.actions import selectors, services
from apps.actions.models import ActionPlan, Milestone
from apps.core.errors import StaleEdit
from apps.metrics import services as metric_services
from apps.notifications.digest import send_daily_digest
from apps.notifications.models import Notification


def metric(p, code, **kw):
    base = {
        "level": "operational",
        "direction": "higher_is_better",
        "aggregation": "mean",
        "frequency": "monthly",
    }
    return metric_services.metric_create(by=p.alice, code=code, name=code, **{**base, **kw})


@pytest.fixture
def money(p):
    """FCR reaches money by two paths: FCR → CSAT → REVENUE (impacts 0.5 × 1000) and
    FCR → CHURN (impact −200) where CHURN is a lower-is-better money top.

    mw(FCR) = +1 × PI(FCR→REVENUE) + (−1) × PI(FCR→CHURN) = 0.5 × 1000 − (−200) = 700."""
    fcr = metric(p, "FCR")
    csat = metric(p, "CSAT", level="experience")
    revenue = metric(p, "REVENUE", level="financial", aggregation="sum", is_monetary=True)
    churn = metric(
        p, "CHURN", level="financial", aggregation="sum", is_monetary=True, direction="lower_is_better"
    )
    metric_services.link_create(by=p.alice, child=fcr, parent=csat, weight=1, impact=0.5)
    metric_services.link_create(by=p.alice, child=csat, parent=revenue, weight=1, impact=1000)
    metric_services.link_create(by=p.alice, child=fcr, parent=churn, weight=1, impact=-200)
    return fcr


@pytest.mark.django_db
def test_roi_by_hand_for_a_metric_reaching_money_by_two_paths(p, money):
    plan = services.plan_create(
        by=p.alice, title="FCR push", owner_department=p.service, cost_estimate=42000, effort="M"
    )
    services.impact_set(plan=plan, by=p.alice, metric=money, expected_change=2)
    free = services.plan_create(
        by=p.alice, title="Free fix", owner_department=p.service, cost_estimate=0, effort="S"
    )
    services.impact_set(plan=free, by=p.alice, metric=money, expected_change=1)
    quick = services.plan_create(
        by=p.alice, title="Quick win", owner_department=p.service, cost_estimate=1000, effort="S"
    )
    services.impact_set(plan=quick, by=p.alice, metric=money, expected_change=0.5)
    ranked = selectors.roi_ranking()
    figures = {plan.title: fig for plan, fig in ranked}
    # benefit = 12 × 2 × 700 = 16,800 per year; ROI = (16,800 − 42,000) / 42,000 = −0.6
    assert figures["FCR push"].benefit == pytest.approx(16800)
    assert figures["FCR push"].roi == pytest.approx(-0.6)
    # cost 0: no ROI, ranked last
    assert figures["Free fix"].benefit == pytest.approx(8400)
    assert figures["Free fix"].roi is None
    # 12 × 0.5 × 700 = 4,200; ROI = 3.2, effort S: a quick win, ranked first
    assert figures["Quick win"].roi == pytest.approx(3.2)
    assert [plan.title for plan, _f in ranked] == ["Quick win", "FCR push", "Free fix"]


@pytest.mark.django_db
def test_ranking_page_shows_the_roi_and_the_plan_without_one(client, p, money):
    plan = services.plan_create(by=p.alice, title="Free fix", owner_department=p.service, cost_estimate=0)
    services.impact_set(plan=plan, by=p.alice, metric=money, expected_change=1)
    client.force_login(p.erin)
    page = client.get(reverse("actions:plan-ranking")).content.decode()
    assert "8,400 EUR" in page
    assert "no cost" in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_never_silently_lose_a_write(p):
    plan = services.plan_create(by=p.alice, title="Start", owner_department=p.service)
    barrier = threading.Barrier(4)
    outcomes = []

    def edit(i):
        try:
            barrier.wait()
            services.plan_update(plan=plan, by=p.alice, version=1, title=f"Edit {i}")
            outcomes.append(("saved", i))
        except StaleEdit:
            outcomes.append(("refused", i))
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [i for kind, i in outcomes if kind == "saved"]
    assert len(saved) == 1, outcomes
    fresh = ActionPlan.objects.get(pk=plan.pk)
    assert fresh.title == f"Edit {saved[0]}"
    assert fresh.version == 2


@pytest.mark.django_db
def test_a_stale_form_shows_what_changed_and_keeps_the_input(client, p):
    plan = services.plan_create(by=p.alice, title="Start", owner_department=p.service)
    services.plan_update(plan=plan, by=p.hugo, version=1, title="Hugo's title")
    client.force_login(p.alice)
    response = client.post(
        reverse("actions:plan-edit", args=[plan.pk]),
        {
            "title": "Alice's title",
            "owner_department": p.service.pk,
            "status": "draft",
            "effort": "M",
            "version": 1,
        },
    )
    body = response.content.decode()
    assert "Someone else saved this" in body
    assert "Hugo Head" in body and "Hugo&#x27;s title" in body
    assert 'value="Alice&#x27;s title"' in body
    assert ActionPlan.objects.get(pk=plan.pk).title == "Hugo's title"


@pytest.mark.django_db
def test_api_answers_409_with_the_current_version(api, p):
    plan = services.plan_create(by=p.alice, title="Start", owner_department=p.service)
    services.plan_update(plan=plan, by=p.alice, version=1, title="Moved on")
    response = api(p.hugo_token).patch(
        f"/api/v1/plans/{plan.pk}/", {"title": "x", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


@pytest.mark.django_db
def test_new_owner_and_contributing_heads_are_notified(p, django_capture_on_commit_callbacks):
    plan = services.plan_create(
        by=p.alice,
        title="Cross-team",
        owner_department=p.service,
        owner=p.cora,
        contributing_departments=[p.website],
    )
    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert {"cora@example.com", "hugo@example.com", "wanda@example.com"} <= recipients
    Notification.objects.all().delete()
    services.plan_update(plan=plan, by=p.hugo, version=1, owner=p.carl)
    assert list(Notification.objects.values_list("recipient__email", "kind")) == [
        ("carl@example.com", "plan_owner")
    ]


@pytest.mark.django_db
def test_progress_is_weighted_milestone_completion(p):
    plan = services.plan_create(by=p.alice, title="P", owner_department=p.service)
    a = services.milestone_create(plan=plan, by=p.alice, title="a", weight=3)
    services.milestone_create(plan=plan, by=p.alice, title="b", weight=1)
    services.milestone_set_done(milestone=a, by=p.alice, version=1, done=True)
    assert selectors.plans_annotated().get(pk=plan.pk).progress == pytest.approx(75.0)


@pytest.mark.django_db
def test_contributor_ticks_off_their_milestone_with_htmx(client, p):
    plan = services.plan_create(by=p.alice, title="P", owner_department=p.service, status="active")
    m = services.milestone_create(plan=plan, by=p.alice, title="mine", owner=p.cora)
    client.force_login(p.cora)
    response = client.post(
        reverse("actions:milestone-done", args=[m.pk]), {"version": 1, "done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "☑" in response.content.decode()
    assert Milestone.objects.get(pk=m.pk).done_at is not None
    stale = client.post(
        reverse("actions:milestone-done", args=[m.pk]), {"version": 1, "done": "0"}, HTTP_HX_REQUEST="true"
    )
    assert stale.status_code == 409
    assert Milestone.objects.get(pk=m.pk).done_at is not None


@pytest.mark.django_db
def test_head_posts_a_progress_update_in_one_request(client, p):
    plan = services.plan_create(by=p.alice, title="P", owner_department=p.service, status="active")
    client.force_login(p.hugo)
    response = client.post(
        reverse("actions:progress-post", args=[plan.pk]),
        {"rag": "amber", "percent": 40, "text": "Hiring delayed"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Hiring delayed" in response.content.decode()
    bad = client.post(
        reverse("actions:progress-post", args=[plan.pk]),
        {"rag": "blue", "percent": 140},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400
    assert plan.updates.count() == 1


@pytest.mark.django_db
def test_done_plans_are_read_only_except_for_the_cx_leader(client, p):
    plan = services.plan_create(by=p.alice, title="P", owner_department=p.service, status="done")
    client.force_login(p.hugo)
    assert client.get(reverse("actions:plan-edit", args=[plan.pk])).status_code == 403
    client.force_login(p.alice)
    response = client.post(
        reverse("actions:plan-edit", args=[plan.pk]),
        {
            "title": "P",
            "owner_department": p.service.pk,
            "status": "active",
            "effort": "M",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert ActionPlan.objects.get(pk=plan.pk).status == "active"


@pytest.mark.django_db
def test_overdue_plans_and_milestones_are_visibly_overdue(client, p):
    past = timezone.localdate() - timedelta(days=3)
    plan = services.plan_create(
        by=p.alice,
        title="Late plan",
        owner_department=p.service,
        status="active",
        start=past - timedelta(days=30),
        due=past,
    )
    services.milestone_create(plan=plan, by=p.alice, title="Late step", owner=p.cora, due=past)
    client.force_login(p.erin)
    for url in (
        reverse("actions:plan-list"),
        reverse("actions:plan-detail", args=[plan.pk]),
        reverse("home"),
        reverse("organization:department-detail", args=[p.service.pk]),
    ):
        body = client.get(url).content.decode()
        assert 'class="tag overdue"' in body, url
    assert "Late plan" in client.get(reverse("actions:plan-list") + "?overdue=1").content.decode()


@pytest.mark.django_db
def test_daily_digest_is_sent_once_a_day(p, django_capture_on_commit_callbacks, mailoutbox):
    past = date(2020, 1, 1)
    plan = services.plan_create(by=p.alice, title="Old", owner_department=p.service, status="active")
    services.milestone_create(plan=plan, by=p.alice, title="Overdue step", owner=p.cora, due=past)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digest() == 1
        assert send_daily_digest() == 0
    digests = Notification.objects.filter(kind="digest")
    assert digests.count() == 1
    assert digests.get().recipient == p.cora
    assert "Overdue step" in digests.get().body
    assert [m.subject for m in mailoutbox].count(digests.get().subject) == 1


def build_plans(p, n):
    for i in range(n):
        plan = services.plan_create(
            by=p.alice,
            title=f"Plan {i}",
            owner_department=p.service,
            status="active",
            contributing_departments=[p.website],
            cost_estimate=1000,
        )
        services.milestone_create(plan=plan, by=p.alice, title="m", owner=p.cora, due=date(2030, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["actions:plan-list", "actions:plan-ranking", "actions:matrix"])
def test_list_ranking_and_matrix_queries_are_bounded(client, p, name):
    client.force_login(p.erin)
    build_plans(p, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    build_plans(p, 30)
    with CaptureQueriesContext(connection) as big:
        assert client.get(reverse(name)).status_code == 200
    assert len(big) == len(small), f"{name}: {len(small)} → {len(big)}"


@pytest.mark.django_db
def test_the_last_page_of_the_plan_list_runs_as_many_queries_as_the_first(client, p):
    """Page-number paging at the far end (the pages bench, issue 22): a few pages, many."""
    client.force_login(p.erin)
    url = reverse("actions:plan-list")

    def count(page):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url + f"?page={page}")
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    build_plans(p, 30)  # two pages of 25
    first, _html = count(1)
    last_small, html = count(2)
    assert "Plan " in html
    build_plans(p, 70)  # four pages
    last_big, _html = count(4)
    assert first == last_small == last_big


@pytest.mark.django_db
def test_plan_list_filters_and_exports(client, p):
    build_plans(p, 2)
    services.plan_create(by=p.alice, title="Web only", owner_department=p.website, status="blocked")
    client.force_login(p.erin)
    body = client.get(reverse("actions:plan-list") + "?status=blocked").content.decode()
    assert "Web only" in body and "Plan 0" not in body
    body = client.get(reverse("actions:plan-list") + "?contributor=WEBSITE").content.decode()
    assert "Plan 0" in body and "Web only" not in body
    csv_text = client.get(reverse("actions:plan-list") + "?format=csv").content.decode()
    assert csv_text.count("\n") == 4


@pytest.mark.django_db
def test_matrix_shows_owner_and_contributor(client, p):
    build_plans(p, 1)
    client.force_login(p.erin)
    csv_text = client.get(reverse("actions:matrix") + "?kind=plans&format=csv").content.decode().splitlines()
    header = csv_text[0].split(",")
    row = csv_text[1].split(",")
    assert row[header.index("SERVICE")] == "owner"
    assert row[header.index("WEBSITE")] == "contributor"


@pytest.mark.django_db
def test_the_matrix_pages_its_subjects_and_keeps_every_row_in_the_csv(client, p):
    """2,000 metrics × 100 departments is not one page (issue 22): 50 subjects a page,
    metrics first, then open plans; the CSV holds every row; the department filter pages too."""
    from apps.actions.views import MATRIX_PER_PAGE

    client.force_login(p.erin)
    url = reverse("actions:matrix")
    build_plans(p, MATRIX_PER_PAGE + 10)
    plans = ActionPlan.objects.exclude(status__in=ActionPlan.CLOSED).count()
    from apps.metrics.models import Metric

    metrics = Metric.objects.filter(archived=False).count()
    total = plans + metrics

    def rows(query):
        html = client.get(url + query).content.decode()
        return html.count("<tr><td>"), html

    first, html = rows("?page=1")
    assert first == MATRIX_PER_PAGE
    assert f"1–{MATRIX_PER_PAGE} of {total}" in html
    last, html = rows("?page=2")
    assert last == total - MATRIX_PER_PAGE
    assert "Plan" in html
    csv_lines = client.get(url + "?format=csv").content.decode().strip().splitlines()
    assert len(csv_lines) == 1 + total
    # Every plan here has Website as a contributor: the filter keeps them (two pages).
    only, _html = rows("?department=WEBSITE&kind=plans")
    assert only == MATRIX_PER_PAGE
    rest, _html = rows("?department=WEBSITE&kind=plans&page=2")
    assert rest == plans - MATRIX_PER_PAGE
    nothing, _html = rows("?department=NO-SUCH")
    assert nothing == 0

    def count(query):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url + query).status_code == 200
        return len(ctx)

    # A page of metrics and plans reads both (two queries more than a page of plans only).
    few_first, few_last = count("?page=1"), count("?page=2")
    build_plans(p, 3 * MATRIX_PER_PAGE)
    assert (count("?page=1"), count("?page=5")) == (few_first, few_last)


@pytest.mark.django_db
def test_the_roi_ranking_pages_and_numbers_ranks_across_pages(client, p):
    """50 ranked plans a page (issue 22): the second page goes on from rank 51."""
    import re

    from apps.actions.views import RANKING_PER_PAGE

    client.force_login(p.erin)
    build_plans(p, RANKING_PER_PAGE + 5)
    url = reverse("actions:plan-ranking")
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    ranks = [int(n) for n in re.findall(r'<tr class="[^"]*"><td class="num">(\d+)</td>', first + second)]
    assert ranks == list(range(1, RANKING_PER_PAGE + 6))
    assert f"1–{RANKING_PER_PAGE} of {RANKING_PER_PAGE + 5}" in first
