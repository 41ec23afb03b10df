"""A real Celery worker on the Redis that `make test` started sends the outbox."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from apps.notifications.models import Notification
from config.celery_app import app as celery_app

BROKER = os.environ.get("CELERY_BROKER_URL", "")


@pytest.mark.worker
@pytest.mark.skipif(not BROKER, reason="needs the Redis that make test starts (CELERY_BROKER_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_outbox_through_redis(p, tmp_path):
    # Written directly: in autocommit, notify() would mail it at once in process.
    row = Notification.objects.create(recipient=p.hugo, kind="test", subject="Through a real worker")

    settings_db = connection.settings_dict
    db_url = (
        f"postgres://{settings_db['USER']}:{settings_db['PASSWORD']}@{settings_db['HOST']}:"
        f"{settings_db['PORT']}/{settings_db['NAME']}"
    )
    mail_dir = tmp_path / "mail"
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": db_url,
        "CELERY_EAGER": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        celery_app.send_task("notifications.send_email", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Notification.objects.filter(pk=row.pk, emailed_at__isnull=False).exists():
                break
            time.sleep(0.2)
        else:
            worker.terminate()
            output = worker.communicate(timeout=10)[0].decode(errors="replace")
            pytest.fail(f"the worker did not send the mail in time:\n{output[-3000:]}")
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)
    sent = "".join(f.read_text() for f in mail_dir.iterdir())
    assert "Through a real worker" in sent
    assert sent.count("Subject: Through a real worker") == 1
