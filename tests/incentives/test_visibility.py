"""No route leaks another person's payout (DESIGN §6): every incentive page, CSV, PDF and
API read, as every participant and non-participant, is searched for the other
participants' terms, bonuses and the plan's cost — figures a head or contributor could
deduce another person's payout from. The CX leader's and an executive's view is searched
too, so the test would notice if the figures were never on the pages at all."""

import re
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.incentives import money, services
from apps.incentives.models import IncentivePlan, PayoutResult
from apps.metrics import rollup
from tests.matrix.routes_incentives import ROUTES
from tests.matrix.world import build_world

from .conftest import ingest_rows, measurement


def variants(amount) -> set[str]:
    """How an amount may be written: raw, rounded, grouped (English and Spanish)."""
    value = money.rounded(amount)
    text = f"{value}"
    grouped = f"{value:,}"
    return {text, grouped, grouped.replace(",", "X").replace(".", ",").replace("X", "."), repr(float(amount))}


@pytest.fixture
def world(db):
    w = build_world()
    # Give the plans real figures: CSAT 85 for the organisation (125 %), AHT 310 s in
    # Customer Service (75 %), so bonuses are non-zero and differ between Hugo and Cora.
    ingest_rows(
        w.alice,
        [measurement("CSAT", "2025-06-01", 85), measurement("AHT", "2025-06-01", 310, department="SERVICE")],
    )
    rollup.rollup_dirty(today=date(2026, 11, 23))
    for plan in IncentivePlan.objects.exclude(status="closed"):
        services.results_recompute(plan=plan)
    return w


def secrets_of(world, person) -> set[str]:
    """Figures about participants other than `person`, and totals over them."""
    found = set()
    for plan in IncentivePlan.objects.exclude(status="closed"):
        results = list(PayoutResult.objects.filter(plan=plan).select_related("participant__person"))
        assert any(r.cx_bonus > 0 for r in results)
        found |= variants(sum(r.cx_bonus for r in results))
        for r in results:
            if r.participant.person_id != person.pk:
                found |= variants(r.cx_bonus)
                found |= variants(r.participant.target_bonus)
                found.add(r.participant.person.email)
    return found


def bodies(world, user):
    """Every GET of the incentive routes, as `user`: (url, text) of the answers given."""
    page = APIClient()
    page.force_login(user)
    for route in ROUTES:
        url = reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None)
        for suffix in ("", "?format=csv") if route.name == "incentives:plan-list" else ("",):
            response = page.get(url + suffix)
            if response.status_code != 200:
                continue
            if response["Content-Type"].startswith("application/pdf"):
                text = pdf_text(response.content)
            else:
                text = response.content.decode()
            yield url + suffix, text
    for plan in IncentivePlan.objects.all():
        response = page.get(f"/api/v1/incentive-results/?plan={plan.pk}")
        yield response.request["PATH_INFO"], response.content.decode()


def pdf_text(content: bytes) -> str:
    """The text WeasyPrint wrote (uncompressed content streams are searched as is)."""
    import zlib

    chunks = [content.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            chunks.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(chunks)


@pytest.mark.parametrize("who", ["hugo", "cora", "wanda", "carl", "mia"])
def test_no_route_shows_a_head_or_contributor_another_persons_payout_or_a_total(world, who):
    user = getattr(world, who)
    secrets = secrets_of(world, user)
    seen = 0
    for url, text in bodies(world, user):
        seen += 1
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{url} shows {who} {leaked}"
    assert seen > 0


def test_the_cx_leader_and_executives_see_every_payout_and_the_total(world):
    plan = world.bonus_draft
    cora = PayoutResult.objects.get(participant=world.cora_in_draft)
    total = sum(PayoutResult.objects.filter(plan=plan).values_list("cx_bonus", flat=True))
    for user in (world.alice, world.erin):
        client = APIClient()
        client.force_login(user)
        detail = client.get(reverse("incentives:plan-detail", args=[plan.pk])).content.decode()
        assert variants(cora.cx_bonus) & {s for s in variants(cora.cx_bonus) if s in detail}
        assert any(s in detail for s in variants(total))
        csv = client.get(reverse("incentives:results-csv", args=[plan.pk])).content.decode()
        assert "cora@example.com" in csv and "hugo@example.com" in csv


def test_a_participant_gets_only_their_own_row_in_the_csv_and_the_api(world):
    plan = world.bonus_draft
    client = APIClient()
    client.force_login(world.hugo)
    csv = client.get(reverse("incentives:results-csv", args=[plan.pk])).content.decode().strip().splitlines()
    assert len(csv) == 2 and "hugo@example.com" in csv[1]
    rows = client.get(f"/api/v1/incentive-results/?plan={plan.pk}").json()["results"]
    assert [r["participant"] for r in rows] == ["hugo@example.com"]
    detail = client.get(f"/api/v1/incentive-plans/{plan.pk}/").json()
    assert [p["participant"] for p in detail["participants"]] == ["hugo@example.com"]
    # A plan Hugo takes no part in is not there at all.
    client.force_login(world.wanda)
    assert client.get(f"/api/v1/incentive-results/?plan={plan.pk}").json()["results"] == []
    assert client.get("/api/v1/incentive-plans/").json()["results"] == []
