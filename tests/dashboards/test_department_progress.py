"""The departments scoreboard (issue 24): every column's numbers on hand-built data, the
parent row's subtree totals, sort, parent filter, CSV, links, the bonus column's
visibility and a query count that does not grow with the number of departments."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.actions.models import ActionPlan, Milestone
from apps.committees.models import AgendaItem, Committee, Decision, Review
from apps.dashboards import scoreboard
from apps.feedback.models import Acknowledgement, FeedbackItem, Routing
from apps.incentives.models import IncentivePlan, Participant, PayoutResult
from apps.metrics import selectors as metric_selectors
from apps.metrics.engine.periods import Period
from apps.metrics.models import Metric, MetricLink, RollupSnapshot
from apps.organization.models import Department

pytestmark = pytest.mark.django_db
JUNE = Period.parse("2025-06")
URL = reverse("department-progress")
PAST = date(2026, 1, 1)
FUTURE = timezone.localdate() + timedelta(days=200)


def aware(*args):
    return timezone.make_aware(datetime(*args))


def metric(code, department, *, parents=()):
    m = Metric.objects.create(
        code=code,
        name=code,
        level="operational",
        direction="lower_is_better",
        aggregation="mean",
        frequency="monthly",
        owner_department=department,
    )
    for parent in parents:
        MetricLink.objects.create(child=m, parent=parent, weight=1, impact=-1)
    return m


def snap(m, period, status, vas):
    RollupSnapshot.objects.create(
        metric=m,
        period_kind=period.kind,
        period_start=period.start,
        scope_kind="org",
        scope_id=0,
        status=status,
        value_at_stake=vas,
    )


def plan(department, status, *, due=None, milestones=()):
    created = ActionPlan.objects.create(
        title=f"{department.code} {status}", owner_department=department, status=status, due=due
    )
    for weight, done, m_due in milestones:
        Milestone.objects.create(
            plan=created, title="m", weight=weight, due=m_due, done_at=timezone.now() if done else None
        )
    return created


@pytest.fixture
def world(p):
    """Service (with its sub-department Calls) and Website, with known figures."""
    calls = Department.objects.create(code="CALLS", name="Calls", parent=p.service)
    # Metrics: REV (no owner) ← A1, A2 (Service), WEBX (Website, not a leaf) ← B1 (Calls).
    rev = Metric.objects.create(
        code="REV",
        name="REV",
        level="financial",
        direction="higher_is_better",
        aggregation="sum",
        frequency="monthly",
        is_monetary=True,
    )
    a1 = metric("A1", p.service, parents=[rev])
    a2 = metric("A2", p.service, parents=[rev])
    webx = metric("WEBX", p.website, parents=[rev])
    b1 = metric("B1", calls, parents=[webx])
    may = JUNE.previous()
    snap(rev, JUNE, "red", 180.0)
    snap(a1, JUNE, "red", 100.0)
    snap(a2, JUNE, "amber", 50.0)
    snap(b1, JUNE, "red", 30.0)
    snap(webx, JUNE, "green", 30.0)
    snap(a1, may, "red", 120.0)
    snap(a2, may, "green", 0.0)
    snap(b1, may, "amber", 10.0)  # WEBX has no May snapshot: no data

    # Plans: Service active+overdue (25 % done, one overdue milestone), at risk, done;
    # Calls blocked (100 %).
    plan(p.service, "active", due=PAST, milestones=[(1, True, None), (3, False, PAST)])
    plan(p.service, "at_risk")
    plan(p.service, "done", due=PAST, milestones=[(1, False, PAST)])
    plan(calls, "blocked", due=FUTURE, milestones=[(1, True, PAST)])

    # Decisions: Service open overdue, open, done; Calls open not yet due.
    committee = Committee.objects.create(name="CX board", chair=p.alice)
    review = Review.objects.create(committee=committee, scheduled_for=date(2025, 6, 5))
    item = AgendaItem.objects.create(review=review, kind="free", title="t")
    for dept, status, due in (
        (p.service, "open", PAST),
        (p.service, "open", None),
        (p.service, "done", PAST),
        (calls, "open", FUTURE),
    ):
        Decision.objects.create(
            item=item, kind="note", text="d", owner_department=dept, status=status, due=due
        )

    # Feedback: Service waits on two (one overdue), acknowledged two in June after 4 h and
    # 12 h (median 8), a closed one does not count; Calls waits on one.
    def feedback(n, dept, *, due, status="routed", routed=None, acked=None, declined=False):
        fb = FeedbackItem.objects.create(
            source="s", external_id=str(n), received_at=aware(2025, 6, 1), text="x", status=status
        )
        routing = Routing.objects.create(
            item=fb, department=dept, due_at=due, routed_at=routed or aware(2025, 6, 1)
        )
        if acked:
            Acknowledgement.objects.create(
                routing=routing, item=fb, department=dept, person=p.hugo, at=acked, declined=declined
            )

    soon, late = timezone.now() + timedelta(days=2), timezone.now() - timedelta(days=2)
    feedback(1, p.service, due=soon)
    feedback(2, p.service, due=late)
    feedback(3, p.service, due=late, routed=aware(2025, 6, 10, 10), acked=aware(2025, 6, 10, 14))
    feedback(4, p.service, due=late, routed=aware(2025, 6, 11, 12), acked=aware(2025, 6, 12, 0))
    feedback(5, p.service, due=late, routed=aware(2025, 6, 11, 12), acked=aware(2025, 6, 20), declined=True)
    feedback(6, p.service, due=late, status="closed")
    feedback(7, calls, due=soon)

    # Bonus: Service's people attain 80 and 100 %, Website's 50 % (plan for 2025).
    bonus = IncentivePlan.objects.create(name="Bonus 2025", period="2025", status="approved")
    for person, attainment in ((p.hugo, 80.0), (p.cora, 100.0), (p.carl, 50.0)):
        participant = Participant.objects.create(
            plan=bonus,
            person=person,
            target_bonus=1000,
            cx_share=20,
            from_date=date(2025, 1, 1),
            to_date=date(2025, 12, 31),
        )
        PayoutResult.objects.create(
            plan=bonus, participant=participant, attainment=attainment, computed_at=timezone.now()
        )
    return calls


def rows_of(user, **kw):
    return {r["code"]: r for r in scoreboard.scoreboard(user, JUNE, **kw).rows}


def test_it_counts_every_column_per_department_and_sums_the_subtree_on_the_parent(p, world):
    rows = rows_of(p.alice)
    assert list(rows) == ["SERVICE", "CALLS", "WEBSITE"]
    service, calls, website = rows["SERVICE"], rows["CALLS"], rows["WEBSITE"]
    assert (calls["depth"], service["has_children"], calls["has_children"]) == (1, True, False)

    # Metrics by status and value at stake (leaves only, WEBX is not one).
    assert {s: calls[s] for s in ("red", "amber", "green", "grey")} == {
        "red": 1,
        "amber": 0,
        "green": 0,
        "grey": 0,
    }
    assert {s: service[s] for s in ("red", "amber", "green", "grey")} == {
        "red": 2,
        "amber": 1,
        "green": 0,
        "grey": 0,
    }
    assert {s: website[s] for s in ("red", "amber", "green", "grey")} == {
        "red": 0,
        "amber": 0,
        "green": 1,
        "grey": 0,
    }
    assert calls["value_at_stake"] == 30.0
    assert service["value_at_stake"] == 180.0  # 100 + 50 own + 30 of Calls
    assert website["value_at_stake"] is None  # owns no leaf: none, not 0
    # Change since May: Service 130 → 180 and red 1 → 2; Calls 10 → 30, red 0 → 1.
    assert (service["value_at_stake_change"], service["red_change"]) == (50.0, 1)
    assert (calls["value_at_stake_change"], calls["red_change"]) == (20.0, 1)
    assert (website["value_at_stake_change"], website["red_change"]) == (None, 0)

    # Plans: the done plan and its overdue milestone do not count.
    assert [calls[k] for k in ("plans_active", "plans_at_risk", "plans_blocked", "plans_overdue")] == [
        0,
        0,
        1,
        0,
    ]
    assert [service[k] for k in ("plans_active", "plans_at_risk", "plans_blocked", "plans_overdue")] == [
        1,
        1,
        1,
        1,
    ]
    assert calls["plans_progress"] == 100.0
    assert service["plans_progress"] == pytest.approx(62.5)  # (25 + 100) / 2
    assert (service["milestones_overdue"], calls["milestones_overdue"]) == (1, 0)
    assert website["plans_progress"] is None

    # Decisions.
    assert (service["decisions_open"], service["decisions_overdue"]) == (3, 1)
    assert (calls["decisions_open"], calls["decisions_overdue"]) == (1, 0)

    # Feedback: the closed item and the declined one do not count; the median is own.
    assert (service["feedback_to_ack"], service["feedback_ack_overdue"]) == (3, 1)
    assert (calls["feedback_to_ack"], calls["feedback_ack_overdue"]) == (1, 0)
    assert service["median_ack_hours"] == pytest.approx(8.0)
    assert calls["median_ack_hours"] is None

    # Bonus attainment: averages of the people's results.
    assert service["bonus_attainment"] == pytest.approx(90.0)
    assert website["bonus_attainment"] == pytest.approx(50.0)
    assert calls["bonus_attainment"] is None


def test_it_filters_by_parent_department(p, world, login):
    assert list(rows_of(p.alice, parent="SERVICE")) == ["SERVICE", "CALLS"]
    body = login(p.erin).get(URL + "?period=2025-06&parent=SERVICE").content.decode()
    assert "Calls" in body and ">Website<" not in body


def test_it_sorts_by_every_column(p, world, login):
    client = login(p.alice)
    for key in ("red", "value_at_stake", "plans_blocked", "feedback_to_ack", "bonus_attainment", "name"):
        body = client.get(URL + f"?period=2025-06&sort=-{key}").content.decode()
        assert 'aria-sort="descending"' in body, key
    # The table's convention: a missing value sorts first descending, last ascending.
    body = client.get(URL + "?period=2025-06&sort=-value_at_stake").content.decode()
    positions = [body.index(f">{name}</a>") for name in ("Website", "Customer Service", "Calls")]
    assert positions == sorted(positions)
    body = client.get(URL + "?period=2025-06&sort=value_at_stake").content.decode()
    positions = [body.index(f">{name}</a>") for name in ("Calls", "Customer Service", "Website")]
    assert positions == sorted(positions)
    body = client.get(URL + "?period=2025-06&sort=-feedback_to_ack").content.decode()
    positions = [body.index(f">{name}</a>") for name in ("Customer Service", "Calls", "Website")]
    assert positions == sorted(positions)


def test_the_csv_has_every_row_and_number(p, world, login):
    response = login(p.alice).get(URL + "?period=2025-06&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    header = table[0]
    assert header[:2] == ["period", "scope"]
    name = header.index("Department")
    rows = {r[name]: r for r in table[1:]}
    assert set(rows) == {"Customer Service", "Calls", "Website"}
    assert {r[0] for r in table[1:]} == {"2025-06"}
    service = dict(zip(header, rows["Customer Service"], strict=True))
    website = dict(zip(header, rows["Website"], strict=True))
    assert service["Value at stake owned"] == "180"
    assert website["Value at stake owned"] == ""
    assert service["Overdue decisions"] == "1"
    assert service["Average CX bonus attainment %"] == "90"


def test_the_bonus_column_is_hidden_from_those_who_may_not_see_payouts(p, world, login):
    for user in (p.hugo, p.cora, p.wanda):
        response = login(user).get(URL + "?period=2025-06")
        assert response.status_code == 200
        body = response.content.decode()
        assert "CX bonus" not in body, user
        assert "bonus_attainment" not in body
        csv_body = login(user).get(URL + "?period=2025-06&format=csv").content.decode()
        assert "bonus" not in csv_body.lower()
        assert all(r.get("attainment_count", 0) == 0 for r in rows_of(user).values())
    for user in (p.alice, p.erin):
        assert "CX bonus" in login(user).get(URL + "?period=2025-06").content.decode()


def test_each_number_links_to_the_list_it_counts(p, world, login):
    client = login(p.alice)
    body = client.get(URL + "?period=2025-06").content.decode().replace("&amp;", "&")

    def count_from(href):
        page = client.get(href)
        assert page.status_code == 200, href
        return page.context["page_obj"].paginator.count

    metrics = reverse("metrics:metric-list")
    plans = reverse("actions:plan-list")
    decisions = reverse("committees:decision-list")
    inbox = reverse("feedback:inbox")
    expected = [
        (f"{metrics}?department=SERVICE&status=red&period=2025-06&subtree=1", 2),
        (f"{metrics}?department=CALLS&status=red&period=2025-06", 1),
        (f"{metrics}?department=WEBSITE&status=green&period=2025-06", 1),
        (f"{metrics}?department=WEBSITE&status=grey&period=2025-06", 0),
        (f"{metrics}?department=SERVICE&leaf=1&subtree=1", 3),
        (f"{metrics}?department=CALLS&leaf=1", 1),
        (f"{plans}?department=SERVICE&overdue=1&subtree=1", 1),
        (f"{plans}?department=SERVICE&status=blocked&subtree=1", 1),
        (f"{plans}?department=SERVICE&milestones_overdue=1&subtree=1", 1),
        (f"{decisions}?department=SERVICE&status=open&subtree=1", 3),
        (f"{decisions}?department=SERVICE&overdue=1&subtree=1", 1),
        (f"{decisions}?department=CALLS&status=open", 1),
        (f"{inbox}?department=SERVICE&ack=pending&subtree=1", 3),
        (f"{inbox}?department=SERVICE&ack=overdue&subtree=1", 1),
        (f"{inbox}?department=CALLS&ack=pending", 1),
    ]
    for href, n in expected:
        assert f'href="{href}"' in body, href
        assert count_from(href) == n, href


def test_it_opens_on_the_last_closed_month_for_every_role(p, world, login):
    from apps.metrics.scopes import last_closed_month

    for user in (p.alice, p.erin, p.hugo, p.cora):
        response = login(user).get(URL)
        assert response.status_code == 200
        assert response.context["ps"].period == last_closed_month()
    body = login(p.alice).get(URL + "?period=2025-Q2").content.decode()
    assert "2025-Q2" in body


def test_the_departments_list_and_the_navigation_link_to_it(p, login):
    client = login(p.hugo)
    assert URL in client.get(reverse("organization:department-list")).content.decode()
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()


def test_the_query_count_does_not_grow_with_departments(p, world, login):
    client = login(p.alice)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL + "?period=2025-06").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(40):
        dept = Department.objects.create(code=f"D{i}", name=f"Dept {i}", parent=world if i % 2 else None)
        m = metric(f"M{i}", dept)
        snap(m, JUNE, "red", 1.0)
        plan(dept, "active", due=PAST, milestones=[(1, False, PAST)])
    assert count() == few


def test_owned_value_at_stake_adds_up_to_the_cost_of_not_improving(p, hierarchy, login):
    """Every leaf with an owner department: the departments' values at stake sum to the
    cost of not improving (real roll-up)."""
    from apps.metrics import ingest, rollup

    Metric.objects.filter(code="NPS").update(owner_department=p.website)
    rows = []
    for code, dept, value in (("AHT", "SERVICE", 360), ("WEB_ERR", "WEBSITE", 80), ("CSAT", "SERVICE", 70)):
        rows.append(
            {
                "metric": code,
                "period_start": "2025-06-01",
                "department": dept,
                "channel": "PHONE",
                "source": "s",
                "value": value,
                "sample_size": 10,
            }
        )
    rows.append(
        {
            "metric": "REVENUE",
            "period_start": "2025-06-01",
            "department": "SERVICE",
            "channel": "PHONE",
            "source": "s",
            "value": 90000,
            "sample_size": 1,
        }
    )
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert result.ok, result.errors[:3]
    rollup.rollup_full(today=date(2026, 11, 23))
    cost = metric_selectors.summary(JUNE, metric_selectors.ORG_SCOPE)["cost_of_not_improving"]
    assert cost
    board = rows_of(p.alice)
    owned = [
        r["value_at_stake"] for r in board.values() if r["depth"] == 0 and r["value_at_stake"] is not None
    ]
    assert sum(owned) == pytest.approx(cost)


def test_it_speaks_spanish(p, world, login):
    p.hugo.language = "es"
    p.hugo.save(update_fields=["language"])
    body = login(p.hugo).get(URL + "?period=2025-06").content.decode()
    for text in (
        "Progreso por departamento",
        "fuera de objetivo",
        "Valor en juego propio",
        "peor",
        "ninguno",
    ):
        assert text in body, text
    assert "Progress by department" not in body


def test_each_row_has_its_value_at_stake_over_the_last_twelve_months(p, world, login):
    board = scoreboard.scoreboard(p.alice, JUNE)
    assert [str(m) for m in board.trend_months][0] == "2024-07"
    assert [str(m) for m in board.trend_months][-1] == "2025-06"
    rows = {r["code"]: r for r in board.rows}
    assert rows["SERVICE"]["trend"][-2:] == [130.0, 180.0]  # Calls' 10 and 30 included
    assert rows["CALLS"]["trend"][-2:] == [10.0, 30.0]
    assert rows["CALLS"]["trend"][:10] == [None] * 10
    assert rows["WEBSITE"]["trend"] == [None] * 12
    assert rows["SERVICE"]["sparkline"] and not rows["WEBSITE"]["sparkline"]
    client = login(p.alice)
    body = client.get(URL + "?period=2025-06").content.decode()
    assert body.count('<svg class="sparkline"') == 2
    response = client.get(URL + "?period=2025-06&format=csv&trend=1")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][:5] == ["period", "scope", "Department", "Code", "2024-07"] and table[0][-1] == "2025-06"
    service = next(r for r in table if r[3] == "SERVICE")
    assert service[-2:] == ["130", "180"]
    main = list(csv.reader(io.StringIO(client.get(URL + "?period=2025-06&format=csv").content.decode())))
    column = main[0].index("Value at stake, 12 months")
    name = main[0].index("Department")
    assert next(r for r in main if r[name] == "Calls")[column].endswith("; 10; 30")
