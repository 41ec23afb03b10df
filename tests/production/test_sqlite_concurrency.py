"""The embedded default (SQLite file) under concurrent writers: of 20 simultaneous PATCHes
of one plan from the same version, exactly one wins and the others get 409 — never a 500
"database is locked"."""

import http.client
import json
import os
import subprocess
import threading

from tests.gunicorn import VENV_BIN, gunicorn
from tests.production.docker import ROOT

SETUP = """
from apps.actions import services
from tests.personas import make_personas
p = make_personas()
plan = services.plan_create(by=p.alice, title="Race", owner_department=p.service)
print(p.alice_token, plan.pk)
"""


def test_twenty_parallel_stale_patches_on_sqlite_give_one_200_and_409s(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    python = str(VENV_BIN / "python")
    for args in (["manage.py", "migrate", "--noinput", "-v0"], ["manage.py", "shell", "-c", SETUP]):
        done = subprocess.run([python, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    token, pk = done.stdout.split()[-2:]
    statuses = []
    start = threading.Barrier(20)

    with gunicorn(
        cwd=ROOT,
        env=env,
        args=["gunicorn", "config.wsgi:application", "--workers", "2", "--threads", "10", "--timeout", "120"],
    ) as port:

        def patch(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            body = json.dumps({"title": f"Edit {i}", "version": 1})
            headers = {
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Host": "localhost",
            }
            start.wait()
            conn.request("PATCH", f"/api/v1/plans/{pk}/", body=body, headers=headers)
            response = conn.getresponse()
            statuses.append((response.status, response.read()[:200]))

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    codes = sorted(status for status, _ in statuses)
    assert codes == [200] + [409] * 19, statuses
