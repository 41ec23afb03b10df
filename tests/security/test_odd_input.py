"""Smaller defects found by the tester: a Content-Security-Policy with no inline code, JSON
errors for oversized API bodies, the bulk ingest with a signed-in session, friendly
encoding errors, CSV header cells neutralised, the departments page's CSV export."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from apps.actions import services as plan_services
from apps.core.tables import csv_download
from apps.metrics.models import Measurement

pytestmark = pytest.mark.django_db
BULK = "/api/v1/measurements/bulk/"
HEADER = "metric,period_start,department,channel,source,value,sample_size"
ROW = "AHT,2025-03-01,SERVICE,PHONE,acd,310,40"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FRIENDLY = "save it as CSV UTF-8"


# --- Content-Security-Policy ----------------------------------------------------------------


def test_pages_send_a_content_security_policy_without_inline_code(client, p):
    client.force_login(p.alice)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\shx-on", re.I), "hx-on (needs eval)"),
]
# Rendered to PDF on the server, never shown to a browser.
NOT_FOR_BROWSERS = {
    "committees/minutes_pdf.html",
    "apps/incentives/templates/incentives/statement_pdf.html",
}


def test_no_template_carries_inline_scripts_styles_or_event_handlers():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")) + sorted(Path("apps").rglob("templates/**/*.html")):
        name = str(path.relative_to(TEMPLATES)) if TEMPLATES in path.parents else str(path)
        if name in NOT_FOR_BROWSERS:
            continue
        text = path.read_text()
        found += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


@pytest.mark.parametrize(
    "name", ["home", "metrics:hierarchy", "actions:plan-list", "organization:department-list"]
)
def test_rendered_pages_have_no_inline_code(client, p, hierarchy, name):
    client.force_login(p.alice)
    page = client.get(reverse(name)).content.decode()
    assert [what for pattern, what in INLINE if pattern.search(page)] == []
    assert 'name="htmx-config"' in page and '"includeIndicatorStyles": false' in page


def test_api_docs_load_their_scripts_from_the_portal(client, p):
    client.force_login(p.alice)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
    assert "script-src 'self'" in response["Content-Security-Policy"]


# --- oversized API bodies -------------------------------------------------------------------


def test_a_3_mb_field_in_an_api_patch_is_a_json_413(api, p):
    plan = plan_services.plan_create(by=p.alice, title="Start", owner_department=p.service)
    body = json.dumps({"problem_statement": "x" * (3 * 1024 * 1024), "version": 1})
    response = api(p.alice_token).patch(
        f"/api/v1/plans/{plan.pk}/", data=body, content_type="application/json"
    )
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    assert "larger than" in response.json()["detail"]


# --- bulk ingest with a session -------------------------------------------------------------


def test_bulk_ingest_accepts_a_signed_in_session_with_its_csrf_token(p, hierarchy):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(p.alice)
    browser.get(reverse("home"))
    token = browser.cookies["csrftoken"].value
    body = f"{HEADER}\n{ROW}\n".encode()
    response = browser.post(BULK, data=body, content_type="text/csv", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    # Without the CSRF token a session may not write.
    refused = browser.post(BULK, data=body, content_type="text/csv")
    assert refused.status_code == 403
    assert Measurement.objects.count() == 1


# --- encodings ------------------------------------------------------------------------------


def _post(api, p, body: bytes, content_type="text/csv"):
    return api(p.alice_token).post(BULK, data=body, content_type=content_type)


def test_csv_with_a_byte_order_mark_before_a_quoted_header_is_read(api, p, hierarchy):
    quoted = ",".join(f'"{h}"' for h in HEADER.split(","))
    response = _post(api, p, f"\ufeff{quoted}\n{ROW}\n".encode())
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


def test_json_with_a_byte_order_mark_is_read(api, p, hierarchy):
    rows = [{"metric": "AHT", "period_start": "2025-03-01", "source": "s", "value": 3, "sample_size": 2}]
    response = _post(api, p, b"\xef\xbb\xbf" + json.dumps(rows).encode(), "application/json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "body",
    [
        f"{HEADER}\n{ROW}\n".encode("utf-16"),  # with a byte-order mark
        f"{HEADER}\n{ROW}\n".encode("utf-16-le"),  # without
        f"{HEADER}\nAHT,2025-03-01,SERVICE,PHONE,café,310,40\n".encode("latin-1"),
    ],
    ids=["utf-16", "utf-16-le", "latin-1"],
)
def test_utf16_and_latin1_files_get_the_save_as_csv_utf8_message(api, client, p, hierarchy, body):
    response = _post(api, p, body)
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert FRIENDLY in message and "codec" not in message
    client.force_login(p.alice)
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(reverse("metrics:upload"), {"file": SimpleUploadedFile("m.csv", body, "text/csv")})
    assert FRIENDLY in page.content.decode() and "codec" not in page.content.decode()
    assert Measurement.objects.count() == 0


# --- CSV exports ----------------------------------------------------------------------------


def test_csv_export_neutralises_header_cells_too():
    response = csv_download("x", ['=HYPERLINK("http://evil")', "+1", "Name"], [["a", "b", "c"]])
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == ['\'=HYPERLINK("http://evil")', "'+1", "Name"]


def test_departments_page_exports_csv(client, p):
    client.force_login(p.alice)
    response = client.get(reverse("organization:department-list") + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["period", "scope", "Department", "Code"]
    assert [p.service.name, p.service.code] in [r[2:4] for r in rows[1:]]
    page = client.get(reverse("organization:department-list")).content.decode()
    assert "format=csv" in page
