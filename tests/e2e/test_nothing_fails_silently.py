"""In the browser: a refused htmx request shows its message where the user acted, and
ticking a milestone moves the plan's progress card (no reload)."""

import pytest
from playwright.sync_api import expect

from apps.actions import services as plan_services
from tests.e2e.conftest import sign_in
from tests.matrix.world import build_world
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_refused_decision_shows_its_message_beside_the_form(live_server, chromium):
    world = build_world()
    page = chromium.new_page(locale="en-GB")
    sign_in(page, live_server.url, world.alice.email, PASSWORD)
    page.goto(f"{live_server.url}/committees/reviews/{world.review_open.pk}/")
    item = page.locator(f"#item-{world.item.pk}")
    item.locator("summary.record-decision").click()
    form = item.locator("form.decision-form")
    form.locator("select[name=kind]").select_option("create_action_plan")
    form.locator("textarea[name=text]").fill("A plan with no department")
    form.locator("button").click()
    refusal = item.locator(".htmx-refusal")
    refusal.wait_for()
    assert "Say which department will own the plan." in refusal.inner_text()
    assert refusal.get_attribute("role") == "alert"


def test_a_refused_milestone_tick_shows_who_may(live_server, chromium):
    world = build_world()
    page = chromium.new_page(locale="en-GB")
    sign_in(page, live_server.url, world.hugo.email, PASSWORD)
    page.goto(f"{live_server.url}/plans/{world.plan_own.pk}/")
    # The head's right is withdrawn after the page was drawn: the tick is refused (403).
    world.hugo.role_grants.all().delete()
    page.locator(f"#milestone-{world.milestone_own.pk} button").first.click()
    refusal = page.locator(".htmx-refusal")
    refusal.wait_for()
    assert "head of the plan's department" in refusal.inner_text()
    world.milestone_own.refresh_from_db()
    assert world.milestone_own.done_at is None


def test_ticking_a_milestone_updates_the_progress_card(live_server, chromium):
    world = build_world()
    plan_services.milestone_create(plan=world.plan_own, by=world.alice, title="Train", weight=3)
    page = chromium.new_page(locale="en-GB")
    sign_in(page, live_server.url, world.hugo.email, PASSWORD)
    page.goto(f"{live_server.url}/plans/{world.plan_own.pk}/")
    assert "0 %" in page.locator("#plan-progress .kpi").inner_text()
    page.locator(f"#milestone-{world.milestone_own.pk} button").first.click()
    expect(page.locator("#plan-progress .kpi")).to_have_text("25 %")
    assert page.locator(f"#milestone-{world.milestone_own.pk}").inner_text().count("☑") == 1
