"""Masking on ingest: the original never reaches the row, its history, an error report or
a job's arguments (DESIGN §3 feedback)."""

import json

import pytest

from apps.core.models import HistoryEntry
from apps.feedback import ingest
from apps.feedback.masking import mask, pseudonymise
from apps.feedback.models import FeedbackItem

from .conftest import item_row

MASKED = [
    ("write to ana.garcia@example.com today", "write to [email] today"),
    ("JOHN_DOE+cx@Mail.Example.CO.UK.", "[email]."),
    ("mail: o'brien@ex-ample.org", "mail: [email]"),
    ("call +34 612 345 678 please", "call [phone] please"),
    ("+34-91-555-12-34", "[phone]"),
    ("0034 612 34 56 78", "[phone]"),
    ("(91) 555-1234", "[phone]"),
    ("612.345.678", "[phone]"),
    ("tel 612345678.", "tel [phone]."),
    ("+1 (555) 123-4567", "[phone]"),
    ("555-123-4567 after six", "[phone] after six"),
    ("+44 20 7946 0958", "[phone]"),
    ("ring (0)20 7946 0958", "ring [phone]"),
    ("91 555 12 34", "[phone]"),
    ("card 4111 1111 1111 1111 declined", "card [card] declined"),
    ("4111-1111-1111-1111", "[card]"),
    ("4111111111111111", "[card]"),
    ("amex 3782 822463 10005", "amex [card]"),
    ("two: a@b.io and +34 699 999 999", "two: [email] and [phone]"),
]
KEPT = [
    "order 12345 arrived on 2025-03-01",
    "paid 10.50 EUR on 01/03/2025, 3 times",
    "week 42 of 2026",
]


@pytest.mark.parametrize(("original", "masked"), MASKED)
def test_personal_data_in_free_text_is_masked(original, masked):
    assert mask(original) == masked


@pytest.mark.parametrize("text", KEPT)
def test_dates_amounts_and_short_numbers_are_left_alone(text):
    assert mask(text) == text


def test_a_customer_reference_that_is_an_email_becomes_a_stable_keyed_hash():
    hashed = pseudonymise("Ana.Garcia@example.com")
    assert hashed.startswith("h:") and "example" not in hashed
    assert pseudonymise("ana.garcia@example.com") == hashed
    assert pseudonymise("CRM-000123") == "CRM-000123"


ORIGINALS = ["ana.garcia@example.com", "612 345 678", "4111 1111 1111 1111"]
TEXT = "I am ana.garcia@example.com, call 612 345 678, card 4111 1111 1111 1111"


@pytest.mark.django_db
def test_the_stored_row_its_history_and_the_jobs_arguments_hold_no_original(
    p, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    from apps.feedback import tasks

    monkeypatch.setattr(tasks.route_items, "delay", lambda *a, **k: sent.append((a, k)))
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest.feedback_ingest(
            rows=[item_row(text=TEXT, customer_reference="ana.garcia@example.com")], by=p.alice
        )
    item = FeedbackItem.objects.get(pk=result.created[0])
    stored = json.dumps(
        list(FeedbackItem.objects.values()) + list(HistoryEntry.objects.values("changes", "note")),
        default=str,
    )
    job_args = json.dumps(sent)
    for original in ORIGINALS:
        assert original not in stored
        assert original not in job_args
    assert item.text == "I am [email], call [phone], card [card]"
    assert item.customer_ref.startswith("h:")
    assert sent == [(([item.pk],), {})]


@pytest.mark.django_db
def test_the_error_report_of_a_refused_batch_holds_no_original(p):
    rows = [
        item_row("ok", text=TEXT),
        item_row(
            "bad",
            text=TEXT,
            rating="call 612 345 678",
            channel="ana.garcia@example.com",
            topic="4111 1111 1111 1111",
        ),
        {"source": "s", "external_id": "x", "received_at": "not a date", "text": TEXT, "612 345 678": 1},
    ]
    result = ingest.feedback_ingest(rows=rows, by=p.alice)
    report = json.dumps(result.as_dict())
    assert not result.ok and FeedbackItem.objects.count() == 0
    assert {(e["row"], e["field"]) for e in result.errors} >= {
        (1, "rating"),
        (1, "channel"),
        (1, "topic"),
        (2, "received_at"),
    }
    for original in ORIGINALS:
        assert original not in report
