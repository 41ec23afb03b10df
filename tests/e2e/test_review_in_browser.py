"""End to end in Debian's Chromium (Playwright): a CX leader runs a committee review that
creates an action plan, closes it, downloads the minutes; the plan's department head
finds the draft plan."""

import os
from io import BytesIO

import pytest
from django.core.management import call_command

from tests.e2e.conftest import sign_in

PASSWORD = "demo-portal-2026"
DECISION = "Cut the wait with a callback pilot in the contact centre"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cx_leader_runs_a_review_and_the_head_finds_the_draft_plan(live_server, chromium, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    base = live_server.url
    context = chromium.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in(page, base, "cx.leader@demo.cx", PASSWORD)
    page.goto(base + "/committees/")
    page.click("text=CX steering committee")
    page.locator("tr.review-scheduled a").first.click()
    page.click("#open-review")
    items = page.locator("article.agenda-item")
    assert items.count() >= 1
    assert page.locator("article.agenda-item .figures").count() >= 1  # live numbers per item

    first = items.first
    first.locator("summary.record-decision").click()
    form = first.locator("form.decision-form")
    form.locator("select[name=kind]").select_option("create_action_plan")
    form.locator("textarea[name=text]").fill(DECISION)
    form.locator("select[name=owner_department]").select_option(label="Contact Centre")
    form.locator("button").click()
    page.wait_for_selector(f"text={DECISION}")
    assert page.locator("a.linked-plan").count() >= 1

    page.click("#close-review")
    page.wait_for_url("**/minutes/")
    assert DECISION in page.content()
    with page.expect_download() as download_info:
        page.click("#minutes-pdf")
    pdf_path = tmp_path / "minutes.pdf"
    download_info.value.save_as(pdf_path)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf_path.read_bytes())).pages)
    assert "callback pilot" in " ".join(text.split())
    context.close()

    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, base, "head.service@demo.cx", PASSWORD)
    page.goto(base + "/plans/?status=draft")
    assert DECISION in page.content()
    page.click(f"text={DECISION}")
    assert page.locator("h1 .plan-draft").count() == 1
    context.close()
