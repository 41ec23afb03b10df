"""Screenshots of the main pages with the demo data (README, docs/screenshots/).

Usage: start the demo (`make demo`) and run `.venv/bin/python scripts/screenshots.py`.
Needs Debian's chromium and the playwright package (dev requirements)."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PASSWORD = "demo-portal-2026"

PAGES = [
    ("executive@demo.cx", "/", "overview.png"),
    ("executive@demo.cx", "/metrics/hierarchy/", "hierarchy.png"),
    ("executive@demo.cx", "/metrics/AHT/", "metric-detail.png"),
    ("cx.leader@demo.cx", "/metrics/", "metric-admin.png"),
    ("head.service@demo.cx", "/metrics/upload/", "upload.png"),
    ("cx.leader@demo.cx", "/organisation/departments/", "departments.png"),
    ("head.service@demo.cx", "/plans/", "plans.png"),
    ("executive@demo.cx", "/plans/ranking/", "plan-ranking.png"),
    ("executive@demo.cx", "/plans/responsibility/", "responsibility.png"),
    ("head.service@demo.cx", "/plans/1/", "plan-detail.png"),
    ("cx.leader@demo.cx", "/committees/", "committees.png"),
    ("cx.leader@demo.cx", "/organisation/departments/4/", "department.png"),
    ("cx.leader@demo.cx", "REVIEW", "review-workspace.png"),
    ("head.service@demo.cx", "/me/", "my-work.png"),
    ("executive@demo.cx", "/search/?q=call", "search.png"),
]
# Every page at a desktop width (the file name as above) and at a phone's (…-390.png).
WIDTHS = [(1400, ""), (390, "-390")]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for (email, path, name), (width, suffix) in [(p, w) for p in PAGES for w in WIDTHS]:
            name = name.replace(".png", f"{suffix}.png")
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
            page = context.new_page()
            page.goto(BASE + "/accounts/login/")
            page.fill("input[name=username]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            if path == "REVIEW":
                # The steering committee's scheduled review, opened so the agenda shows.
                page.goto(BASE + "/committees/")
                page.click("text=CX steering committee")
                page.locator("tr.review-in_session a, tr.review-scheduled a").first.click()
                opener = page.locator("#open-review")
                if opener.count():
                    opener.click()
            else:
                page.goto(BASE + path)
            if path == "/metrics/hierarchy/":
                for _round in range(2):
                    for button in page.query_selector_all("button.expander:not([disabled])")[:3]:
                        button.click()
                        page.wait_for_timeout(300)
            page.wait_for_timeout(500)
            page.screenshot(path=str(OUT / name), full_page=True)
            context.close()
            print("wrote", OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
