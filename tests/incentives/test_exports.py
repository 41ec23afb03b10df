"""The incentive exports as an analyst reads them (issue 26 item 6): period and scope,
units in the header, words not codes, amounts as plain decimals to the currency's cents."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from apps.incentives import money, services
from apps.incentives.models import IncentivePlan, PayoutResult
from apps.metrics import rollup
from tests.matrix.world import build_world

from .conftest import ingest_rows, measurement

PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture
def world(db):
    w = build_world()
    ingest_rows(
        w.alice,
        [measurement("CSAT", "2025-06-01", 85), measurement("AHT", "2025-06-01", 310, department="SERVICE")],
    )
    rollup.rollup_dirty(today=date(2026, 11, 23))
    for plan in IncentivePlan.objects.exclude(status="closed"):
        services.results_recompute(plan=plan)
    return w


def read(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_plan_list_csv_keeps_its_own_period_and_writes_status_words_and_cost_in_the_currency(client, world):
    client.force_login(world.alice)
    rows = read(client, reverse("incentives:plan-list") + "?format=csv")
    header = list(rows[0])
    assert header[0] == "scope" and header.count("Period") == 1 and "period" not in header
    cost = f"Cost at today's attainment ({money.currency()})"
    assert cost in header
    draft = next(r for r in rows if r["Plan"] == "Draft bonus")
    assert (draft["scope"], draft["Period"], draft["Status"]) == ("org", world.bonus_draft.period, "draft")
    assert {r["Status"] for r in rows} <= {"draft", "approved", "closed"}
    assert all(PLAIN.match(r[cost]) for r in rows if r[cost])


def test_results_csv_leads_with_period_and_scope_and_writes_plain_amounts(client, world):
    plan = world.bonus_draft
    client.force_login(world.alice)
    rows = read(client, reverse("incentives:results-csv", args=[plan.pk]))
    header = list(rows[0])
    bonus = f"cx_bonus ({money.currency()})"
    assert header[:2] == ["period", "scope"] and bonus in header and "attainment (%)" in header
    cora = next(r for r in rows if r["participant"] == "cora@example.com")
    stored = PayoutResult.objects.get(participant=world.cora_in_draft)
    assert (cora["period"], cora["scope"]) == (plan.period, "org")
    assert cora["provisional"] in ("yes", "no")
    assert cora[bonus] == f"{money.rounded(stored.cx_bonus)}"
    assert cora["attainment (%)"] == f"{round(stored.attainment, 1)}"
    for row in rows:
        for key in header:
            if "payout_percent" in key or key in (bonus, "attainment (%)", "participation"):
                assert PLAIN.match(row[key]), (key, row[key])
