"""In Debian's Chromium (Playwright): a reader who uses only the keyboard opens the
definition of a hierarchy column header — Tab to its button and the definition shows,
with the link to its help section; Escape closes it."""

import os

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "keyboard-only-2026"


def test_a_hierarchy_header_definition_opens_with_the_keyboard(live_server, p, hierarchy, chromium):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    p.erin.set_password(PASSWORD)
    p.erin.save()
    base = live_server.url
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", p.erin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.goto(base + reverse("metrics:hierarchy"))
    header = page.locator("#hierarchy thead th", has_text="Status")
    button = header.locator("button.define-toggle")
    popover = header.locator(".define-pop")
    assert not popover.is_visible()

    for _ in range(120):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Status header's definition")

    assert popover.is_visible()
    assert "Green on target" in popover.inner_text()
    assert popover.locator("a").get_attribute("href") == reverse("help:area", args=["hierarchy"]) + "#status"
    page.keyboard.press("Tab")  # on to the link inside: it stays open
    assert popover.is_visible()
    page.keyboard.press("Escape")
    assert not popover.is_visible()
    context.close()
