"""Redis stopped during an ingest: the ingest commits (its dirty rows with it), and the
roll-up and its notifications happen once Redis is back — the sweep that beat sends every
few minutes catches the trigger lost with the broker (DESIGN §5)."""

import shutil
import socket
import subprocess
import time
from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone

from apps.metrics.models import DirtyPeriod, Measurement, RollupSnapshot
from apps.notifications.models import Notification
from config.celery_app import app as celery_app

from .workers import start_worker, stop_worker, wait_for

REDIS = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own: stopping it touches no other test."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


@pytest.fixture
def broker(tmp_path):
    """The test process queues through a private Redis instead of running tasks in process."""
    redis = PrivateRedis(tmp_path)
    redis.start()
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_write_url, conf.task_publish_retry_policy)
    celery_app._after_fork()  # drop the pooled connections to the old broker
    conf.task_always_eager = False
    conf.broker_url = conf.broker_write_url = redis.url
    # Give up on a dead broker within a second or two, as a request would.
    conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
    try:
        yield redis
    finally:
        celery_app._after_fork()  # drop the pooled connections to the old broker
        conf.task_always_eager, conf.broker_url, conf.broker_write_url, conf.task_publish_retry_policy = saved
        redis.stop()


@pytest.mark.worker
@pytest.mark.skipif(not REDIS, reason="needs redis-server (make test installs it)")
@pytest.mark.django_db(transaction=True)
def test_an_ingest_while_redis_is_down_commits_and_is_rolled_up_once_redis_is_back(
    p, hierarchy, api, broker, tmp_path
):
    this_month = timezone.localdate().replace(day=1)
    rows = [
        # AHT (Service's, lower is better, target 300) far off target this month: red.
        {
            "metric": "AHT",
            "source": "fault",
            "period_start": this_month.isoformat(),
            "department": "SERVICE",
            "value": 900,
            "sample_size": 50,
        },
        {
            "metric": "AHT",
            "source": "fault",
            "period_start": date(2025, 1, 1).isoformat(),
            "department": "SERVICE",
            "value": 290,
            "sample_size": 50,
        },
    ]
    before = set(Notification.objects.values_list("pk", flat=True))

    broker.stop()
    response = api(p.alice_token).post("/api/v1/measurements/bulk/", rows, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert Measurement.objects.filter(metric=hierarchy.aht).count() == 2
    assert DirtyPeriod.objects.filter(metric=hierarchy.aht).exists()  # the trigger is lost, not the work
    assert not RollupSnapshot.objects.filter(metric=hierarchy.aht, period_start=this_month).exists()

    broker.start()
    mail_dir = tmp_path / "mail"
    worker = start_worker(
        "celery",
        broker=broker.url,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_dir),
    )
    try:
        # What beat sends every few minutes: the sweep.
        celery_app._after_fork()  # a fresh connection to the broker that is back
        celery_app.send_task(settings.CELERY_BEAT_SCHEDULE["rollup-sweep"]["task"])
        wait_for(
            lambda: (
                not DirtyPeriod.objects.exists()
                and RollupSnapshot.objects.filter(metric=hierarchy.aht, period_start=this_month).exists()
            ),
            timeout=90,
            what="the sweep's roll-up",
            worker=worker,
        )
        new = Notification.objects.exclude(pk__in=before).filter(recipient=p.hugo)
        wait_for(
            lambda: new.exists() and not new.filter(emailed_at__isnull=True).exists(),
            timeout=60,
            what="the breach notification, mailed",
            worker=worker,
        )
    finally:
        stop_worker(worker)
    snapshot = RollupSnapshot.objects.get(
        metric=hierarchy.aht, period_kind="month", period_start=this_month, scope_kind="org"
    )
    assert snapshot.status == "red"
    subjects = [n.subject for n in new]
    print("redis outage: ingest committed with the broker down; after it came back:", subjects)
    assert any("AHT" in s for s in subjects)
