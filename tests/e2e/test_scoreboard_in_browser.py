"""In the browser: the departments scoreboard does not scroll sideways at 390 px (its
table scrolls inside its own box)."""

import pytest

from apps.organization.models import Department
from tests.e2e.conftest import sign_in
from tests.personas import PASSWORD, make_personas

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_scoreboard_fits_a_390px_screen(live_server, chromium):
    p = make_personas()
    parent = Department.objects.create(code="OPS", name="Operations and customer service excellence")
    Department.objects.create(code="CALLS", name="Inbound calls and callbacks", parent=parent)
    page = chromium.new_page(viewport={"width": 390, "height": 844}, locale="en-GB")
    sign_in(page, live_server.url, p.alice.email, PASSWORD)
    page.goto(f"{live_server.url}/organisation/departments/progress/")
    assert page.locator("h1").inner_text().startswith("Progress by department")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    # The table itself is wider than the screen and scrolls in its box.
    box = page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert box[0] > box[1], box
