"""The notifications outbox: written with the event, mailed by a claiming job."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Notification


def _make(p, n=3, **kw):
    return [
        services.notify(
            recipient=p.hugo,
            kind="test",
            subject=lambda i=i: f"Subject {i}",
            body=lambda: "b",
            url="/x/",
            **kw,
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_a_rolled_back_event_leaves_no_notification(p):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(recipient=p.hugo, kind="test", subject=lambda: "never")
        raise RuntimeError("the event failed")
    assert not Notification.objects.filter(subject="never").exists()


@pytest.mark.django_db
def test_dedupe_key_prevents_a_second_digest(p):
    first = services.notify(
        recipient=p.hugo, kind="digest", subject=lambda: "d", dedupe_key="digest:1:2026-11-23"
    )
    second = services.notify(
        recipient=p.hugo, kind="digest", subject=lambda: "d", dedupe_key="digest:1:2026-11-23"
    )
    assert first is not None
    assert second is None
    assert Notification.objects.filter(dedupe_key="digest:1:2026-11-23").count() == 1


@pytest.mark.django_db
def test_failing_mail_backend_leaves_rows_unsent_and_a_later_run_sends_each_once(p, mailoutbox):
    rows = _make(p)
    mailoutbox.clear()
    with mock.patch("apps.notifications.services.send_mail", side_effect=ConnectionError("smtp down")):
        result = services.send_pending_email()
    assert result == {"claimed": 3, "sent": 0, "failed": 3}
    assert Notification.objects.filter(emailed_at__isnull=True, claimed_at__isnull=True).count() == 3
    assert all(r.last_error == "smtp down" for r in Notification.objects.all())
    # Backoff: nothing is due right away.
    assert services.send_pending_email()["claimed"] == 0
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert services.send_pending_email() == {"claimed": 3, "sent": 3, "failed": 0}
    assert sorted(m.subject for m in mailoutbox) == sorted(r.subject for r in rows)
    assert services.send_pending_email()["claimed"] == 0
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_backoff_grows_with_attempts_and_is_capped():
    assert services.backoff(1) == timedelta(minutes=1)
    assert services.backoff(3) == timedelta(minutes=4)
    assert services.backoff(20) == timedelta(minutes=60)


@pytest.mark.django_db
def test_an_expired_claim_is_taken_over(p, mailoutbox):
    _make(p, 1)
    mailoutbox.clear()
    Notification.objects.update(claimed_at=timezone.now() - services.CLAIM_LEASE - timedelta(seconds=1))
    assert services.send_pending_email()["sent"] == 1


@pytest.mark.django_db
def test_a_fresh_claim_is_not_taken_by_another_worker(p, mailoutbox):
    _make(p, 2)
    mailoutbox.clear()
    token, rows = services.claim_unsent()
    assert len(rows) == 2
    assert services.claim_unsent()[1] == []


@pytest.mark.postgres  # concurrent claims (SKIP LOCKED); SQLite locks the whole file
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_one_row_twice(p):
    # Written directly: in autocommit, notify() would mail them at once in process.
    Notification.objects.bulk_create(
        Notification(recipient=p.hugo, kind="test", subject=f"s{i}") for i in range(60)
    )
    sent_ids: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def fake_send(subject, message, from_email, recipient_list):
        pass

    def worker():
        barrier.wait()
        try:
            for _ in range(10):
                token, rows = services.claim_unsent(limit=7)
                with lock:
                    sent_ids.extend(r.pk for r in rows)
                Notification.objects.filter(claim_token=token).update(emailed_at=timezone.now())
        finally:
            connection.close()

    with mock.patch("apps.notifications.services.send_mail", fake_send):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(sent_ids) == 60
    assert len(set(sent_ids)) == 60


@pytest.mark.django_db
def test_notifications_are_mailed_on_commit_in_process(p, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=p.hugo, kind="test", subject=lambda: "Hello Hugo", url="/plans/1/")
    assert [m.subject for m in mailoutbox] == ["Hello Hugo"]
    assert "/plans/1/" in mailoutbox[0].body


@pytest.mark.django_db
def test_system_accounts_get_no_mail(p):
    row = services.notify(recipient=p.sam, kind="test", subject=lambda: "x")
    assert row.send_email is False


@pytest.mark.django_db
def test_password_reset_mail_goes_through_the_outbox(
    client, p, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": p.cora.email})
    row = Notification.objects.get(kind="password_reset")
    assert row.recipient == p.cora
    assert row.in_app is False
    assert row.emailed_at is not None
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_inbox_shows_unread_count_and_marks_read(client, p):
    services.notify(
        recipient=p.hugo, kind="test", subject=lambda: "Plan at risk", url="/organisation/departments/"
    )
    services.notify(recipient=p.wanda, kind="test", subject=lambda: "Not for Hugo")
    client.force_login(p.hugo)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "Plan at risk" in page
    assert "Not for Hugo" not in page
    assert '<span class="badge">1</span>' in page
    row = Notification.objects.get(subject="Plan at risk")
    response = client.get(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == "/organisation/departments/"
    row.refresh_from_db()
    assert row.read_at is not None
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert '<span class="badge">' not in page


@pytest.mark.django_db
def test_someone_elses_notification_is_not_found(client, p):
    row = services.notify(recipient=p.wanda, kind="test", subject=lambda: "private")
    client.force_login(p.hugo)
    assert client.post(reverse("notifications:read", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


@pytest.mark.django_db
def test_mail_count_matches(p):
    # One mail per pending notification, to its recipient, in batches of `limit`; a second
    # run sends nothing more.
    rows = _make(p, 3) + [
        services.notify(recipient=p.wanda, kind="test", subject=lambda: "For Wanda", body=lambda: "b")
    ]
    mail.outbox = []
    assert services.send_pending_email(limit=3) == {"claimed": 3, "sent": 3, "failed": 0}
    assert len(mail.outbox) == 3
    assert services.send_pending_email(limit=3) == {"claimed": 1, "sent": 1, "failed": 0}
    assert services.send_pending_email()["claimed"] == 0
    assert len(mail.outbox) == len(rows) == 4
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == sorted((r.recipient.email, r.subject) for r in rows)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
