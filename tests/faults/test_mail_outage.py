"""The mail server fails, then recovers: every notification is mailed exactly once
(DESIGN §5: the outbox retries with backoff; a claimed row is marked sent only by the
worker that sent it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_email_task

from .smtp import MailServer


def _backoff_elapses():
    # The outbox waits 1, 2, 4 ... minutes after a failure; the test does not.
    Notification.objects.filter(emailed_at__isnull=True).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def smtp(settings):
    server = MailServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_failing_then_recovering_mail_server_gets_each_notification_exactly_once(p, smtp):
    # Written with the server down: the on-commit send fails and the rows stay queued.
    smtp.stop()
    subjects = [f"Outage check {i}" for i in range(5)]
    for i, subject in enumerate(subjects):
        notify(recipient=[p.hugo, p.wanda, p.alice][i % 3], kind="test", subject=lambda s=subject: s)
    first = send_email_task.apply().get()
    assert first["sent"] == 0
    assert Notification.objects.filter(emailed_at__isnull=True, kind="test").count() == 5
    assert not smtp.received

    # Back, but refusing every message with a temporary error (451).
    smtp.start()
    smtp.mode = "tempfail"
    _backoff_elapses()
    assert send_email_task.apply().get()["sent"] == 0
    assert not smtp.received
    assert all(row.last_error for row in Notification.objects.filter(kind="test"))

    # Accepting, but dropping the connection right after each message: accepted is sent.
    smtp.mode = "drop_after_accept"
    _backoff_elapses()
    send_email_task.apply().get()

    # Healthy: whatever is left goes out; runs after that send nothing again.
    smtp.mode = "ok"
    for _ in range(3):
        _backoff_elapses()
        send_email_task.apply().get()

    counts = {subject: sum(f"Subject: {subject}\n" in m for m in smtp.received) for subject in subjects}
    print("mail outage: messages received per notification", counts)
    assert counts == dict.fromkeys(subjects, 1)
    assert Notification.objects.filter(kind="test", emailed_at__isnull=True).count() == 0
