"""The upload takes what spreadsheets write (#19 item 5): semicolons between fields with
decimal commas, UTF-8 with a byte-order mark before a quoted header; the page offers the
template and the valid codes; its errors are in the reader's language."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.metrics import ingest
from apps.metrics.models import Measurement

pytestmark = pytest.mark.django_db

HEADER = "metric,period_start,department,channel,source,value,sample_size"


def upload(client, content: bytes):
    return client.post(reverse("metrics:upload"), {"file": SimpleUploadedFile("m.csv", content, "text/csv")})


def test_semicolons_and_decimal_commas_are_read_as_a_spanish_spreadsheet_writes_them(login, p, hierarchy):
    text = (
        "metric;period_start;department;channel;source;value;sample_size\r\n"
        "AHT;2025-03-01;SERVICE;PHONE;acd;312,5;480\r\n"
        "AHT;2025-04-01;SERVICE;PHONE;acd;1.234,25;1200\r\n"
        'WEB_ERR;2025-03-01;WEBSITE;;web;"12";\r\n'
    )
    response = upload(login(p.alice), text.encode("utf-8"))
    assert response.status_code == 200
    values = dict(Measurement.objects.values_list("period_start__month", "value").filter(metric__code="AHT"))
    assert values == {3: 312.5, 4: 1234.25}
    assert Measurement.objects.get(metric__code="AHT", period_start__month=4).sample_size == 1200
    assert Measurement.objects.filter(metric__code="WEB_ERR").get().value == 12


def test_a_byte_order_mark_before_a_quoted_header_is_ignored(login, p, hierarchy):
    quoted = ",".join(f'"{f}"' for f in HEADER.split(","))
    text = f"{quoted}\r\nAHT,2025-03-01,SERVICE,PHONE,acd,310,40\r\n"
    response = upload(login(p.alice), b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert response.status_code == 200
    assert Measurement.objects.count() == 1


def test_the_bom_is_ignored_even_when_the_stream_was_decoded_without_sig(p, hierarchy):
    quoted = ",".join(f'"{f}"' for f in HEADER.split(","))
    stream = io.StringIO(f"\ufeff{quoted}\nAHT,2025-03-01,SERVICE,PHONE,acd,310,40\n")
    rows = list(ingest.rows_from_csv(stream))
    assert rows[0]["metric"] == "AHT" and rows[0]["value"] == "310"


def test_a_comma_file_keeps_commas_as_separators_never_as_decimals(p, hierarchy):
    rows = list(ingest.rows_from_csv(io.StringIO(f'{HEADER}\nAHT,2025-03-01,SERVICE,PHONE,acd,"312,5",40\n')))
    assert rows[0]["value"] == "312,5"  # then refused as "must be a number", not read as 312.5
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=True)
    assert not result.ok and result.errors[0]["field"] == "value"


def test_a_bad_semicolon_file_names_every_bad_row_and_saves_nothing(login, p, hierarchy):
    text = (
        "metric;period_start;department;channel;source;value;sample_size\n"
        "AHT;2025-03-01;SERVICE;PHONE;acd;12,5;10\n"
        "NOPE;2025-03-01;SERVICE;PHONE;acd;1,5;10\n"
        "AHT;2025-03-15;SERVICE;PHONE;acd;abc;10\n"
    )
    html = upload(login(p.alice), text.encode()).content.decode()
    assert "unknown metric code &#x27;NOPE&#x27;" in html
    assert "is not aligned with this monthly metric" in html and "must be a finite number" in html
    assert not Measurement.objects.exists()


def test_the_errors_are_in_the_reader_s_language(login, p, hierarchy):
    p.alice.language = "es"
    p.alice.save(update_fields=["language"])
    text = f"{HEADER}\nNOPE,2025-03-01,SERVICE,PHONE,acd,1,10\nAHT,2025-03-01,SERVICE,PHONE,acd,x,10\n"
    html = upload(login(p.alice), text.encode()).content.decode()
    assert "código de métrica desconocido" in html and "debe ser un número finito" in html
    html = upload(login(p.alice), b"a,b\n1,2\n").content.decode()
    assert "a la cabecera del CSV le falta" in html


def test_the_page_offers_the_template_and_the_valid_codes(login, p, hierarchy):
    html = login(p.hugo).get(reverse("metrics:upload")).content.decode()
    assert f'href="{reverse("help:csv-template")}"' in html
    codes = html.split('id="upload-codes"', 1)[1]
    for code in ("AHT", "WEB_ERR", "SERVICE", "WEBSITE", "PHONE", "WEB"):
        assert f"<code>{code}</code>" in codes, code
    assert "<code>FB_ACK_SLA</code>" not in codes  # computed by the portal, never uploaded


def test_a_feedback_upload_s_errors_are_in_the_reader_s_language(login, p, hierarchy):
    p.alice.language = "es"
    p.alice.save(update_fields=["language"])
    text = "source,external_id,received_at,text\nweb,1,not a date,Hola\n"
    response = login(p.alice).post(
        reverse("feedback:upload"), {"file": SimpleUploadedFile("f.csv", text.encode(), "text/csv")}
    )
    assert "debe ser una fecha y hora ISO" in response.content.decode()
    response = login(p.alice).post(
        reverse("feedback:upload"), {"file": SimpleUploadedFile("f.csv", b"a,b\n1,2\n", "text/csv")}
    )
    assert "a la cabecera del CSV le falta" in response.content.decode()
