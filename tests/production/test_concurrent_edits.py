"""No lost update under concurrent edits (DESIGN §10), through the API of a real gunicorn
(2 workers × 10 threads), on PostgreSQL and on the embedded default (a SQLite file): N
simultaneous PATCHes of the same plan, the same milestone and the same decision, all sent
with the version they read. Exactly one of each wins (200); every other one is a 409 naming
the current version; never a server error (a 500 "database is locked", a deadlock). The
counts are printed (README "Security and reliability")."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading

import pytest
from django.db import connection

from tests.gunicorn import VENV_BIN, gunicorn
from tests.production.docker import ROOT

N = 20

# Builds the objects (on the database of DATABASE_URL) and prints what the racers need.
SETUP = """
import json
from datetime import date
from apps.actions import services as plans
from apps.committees import services as committees
from apps.committees.models import Decision
from tests.personas import make_personas
p = make_personas()
plan = plans.plan_create(by=p.alice, title="Race", owner_department=p.service)
milestone = plans.milestone_create(plan=plan, by=p.alice, title="Script", owner=p.cora)
committee = committees.committee_create(by=p.alice, name="Race group", chair=p.alice, members=[p.hugo])
review = committees.review_schedule(committee=committee, by=p.alice, scheduled_for=date(2025, 5, 1))
committees.review_open(review=review, by=p.alice)
item = committees.agenda_add_free(review=review, by=p.alice, title="Handle time")
decision = committees.decision_create(item=item, by=p.alice, kind=Decision.Kind.ASSIGN_OWNER, text="Report")
ids = {"plan": plan.pk, "milestone": milestone.pk, "decision": decision.pk}
print(json.dumps({"token": p.alice_token, **ids}))
"""


def _edits(ids: dict) -> dict:
    """For each object: its URL and the body of racer i (all from version 1)."""
    return {
        "plan": (f"/api/v1/plans/{ids['plan']}/", lambda i: {"title": f"Edit {i}", "version": 1}),
        "milestone": (
            f"/api/v1/milestones/{ids['milestone']}/",
            lambda i: {"title": f"Step {i}", "weight": i + 1, "version": 1},
        ),
        "decision": (
            f"/api/v1/decisions/{ids['decision']}/",
            lambda i: {"status": ("done", "cancelled", "open")[i % 3], "version": 1},
        ),
    }


def _race(port: int, token: str, url: str, body) -> list[int]:
    """N threads PATCH `url` at the same instant; their statuses, sorted."""
    statuses: list[tuple[int, bytes]] = []
    start = threading.Barrier(N)

    def patch(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Host": "localhost"}
        start.wait()
        conn.request("PATCH", url, body=json.dumps(body(i)), headers=headers)
        response = conn.getresponse()
        statuses.append((response.status, response.read()[:300]))
        conn.close()

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(status for status, _ in statuses)
    assert codes == [200] + [409] * (N - 1), statuses
    stale = [json.loads(text) for status, text in statuses if status == 409]
    assert all(answer["current_version"] == 2 for answer in stale), stale
    return codes


def _run_races(env: dict, database: str) -> None:
    python = str(VENV_BIN / "python")
    done = subprocess.run(
        [python, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ids = json.loads(done.stdout.strip().splitlines()[-1])
    args = ["gunicorn", "config.wsgi:application", "--workers", "2", "--threads", "10", "--timeout", "60"]
    with gunicorn(cwd=ROOT, env=env, args=args) as port:
        for name, (url, body) in _edits(ids).items():
            codes = _race(port, ids["token"], url, body)
            print(
                f"\n{database}: {N} parallel stale PATCHes of one {name}: "
                f"{codes.count(200)} × 200, {codes.count(409)} × 409, "
                f"{sum(c >= 500 for c in codes)} server errors"
            )


def _env(**settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    # Tasks run in process (no broker): the races are about the database.
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", **settings)
    return env


def test_parallel_stale_edits_on_sqlite_one_wins_the_rest_409(tmp_path):
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _run_races(env, "SQLite")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_stale_edits_on_postgresql_one_wins_the_rest_409():
    """On the test database itself (migrated by pytest-django; a transactional test, so the
    server's processes see the rows, and the tables are emptied afterwards)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    _run_races(_env(DATABASE_URL=url), "PostgreSQL")
