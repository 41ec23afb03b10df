"""At 390 px (a phone) no main page is wider than the screen, for a department head and for
the CX leader, and the header folds its navigation behind a Menu button (#19 item 9)."""

import os

import pytest
from django.core.management import call_command

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-portal-2026"
PHONE = {"width": 390, "height": 844}

MAIN_PAGES = [
    "/",
    "/me/",
    "/search/?q=handle",
    "/metrics/hierarchy/",
    "/metrics/hierarchy/?period=2026-Q3",
    "/metrics/",
    "/metrics/AHT/",
    "/metrics/REVENUE/",
    "/metrics/upload/",
    "/organisation/departments/",
    "/plans/",
    "/plans/ranking/",
    "/plans/responsibility/",
    "/committees/",
    "/feedback/",
    "/incentives/",
    "/notifications/",
    "/help/",
    "/help/metric/",
]

WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return document.documentElement.scrollWidth > width
    ? Array.from(document.querySelectorAll("body *"))
        .filter(el => el.getBoundingClientRect().right > width + 1)
        .filter(el => !el.closest(".table-wrap, .chart-box, pre"))
        .slice(0, 5).map(el => el.tagName + "." + el.className)
    : [];
}"""


@pytest.mark.parametrize("email", ["head.service@demo.cx", "cx.leader@demo.cx"])
def test_no_main_page_scrolls_sideways_on_a_phone(live_server, chromium, email):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    base = live_server.url
    page = chromium.new_context(viewport=PHONE, locale="en-GB").new_page()
    sign_in(page, base, email, PASSWORD)
    assert "/accounts/login/" not in page.url
    wide = {}
    for path in MAIN_PAGES:
        response = page.goto(base + path)
        assert response.status in (200, 403), (path, response.status)
        overflow = page.evaluate(WIDER_THAN_SCREEN)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = (width, overflow)
    assert wide == {}


def test_the_header_folds_behind_a_menu_button_on_a_phone(live_server, chromium, p):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    p.hugo.set_password(PASSWORD)
    p.hugo.save()
    base = live_server.url
    page = chromium.new_context(viewport=PHONE, locale="en-GB").new_page()
    sign_in(page, base, p.hugo.email, PASSWORD)
    menu = page.locator(".topbar .menu-toggle")
    nav = page.locator("#main-nav")
    assert menu.is_visible() and not nav.is_visible()
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert nav.is_visible() and menu.get_attribute("aria-expanded") == "true"
    assert page.locator("#main-nav a", has_text="My work").is_visible()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"]
