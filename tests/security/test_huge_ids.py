"""An id filter that no database key can hold (20 digits, '²') is a 400 naming it, on the
API and on the plan list page (the same FilterSet: nothing listed), never a server error —
on SQLite (OverflowError) as on PostgreSQL."""

import pytest
from django.urls import reverse

from apps.actions import services as plan_services
from apps.core.ids import parse_id

pytestmark = pytest.mark.django_db
ODD = ["99999999999999999999", "9223372036854775808", "²", "0", "-1", " 12x", "1e3"]


@pytest.mark.parametrize("value", ODD)
def test_plan_list_with_an_impossible_committee_id_names_it_and_lists_nothing(client, p, value):
    plan_services.plan_create(by=p.alice, title="Unsponsored", owner_department=p.service)
    client.force_login(p.alice)
    response = client.get(reverse("actions:plan-list"), {"committee": value})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<code>committee=" in body and "Unsponsored" not in body


@pytest.mark.parametrize("value", ODD)
def test_review_api_with_an_impossible_committee_id_is_a_400_naming_it(api, p, value):
    # The schema documents `committee` as an id (a whole number a 64-bit key holds): anything
    # else is refused, never a server error.
    response = api(p.alice_token).get("/api/v1/reviews/", {"committee": value})
    assert response.status_code == 400
    assert "committee" in response.json()


def test_parse_id_takes_only_what_a_64_bit_key_holds():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    assert [parse_id(v) for v in ODD] == [None] * len(ODD)
    assert parse_id(None) is None and parse_id("") is None


def test_huge_ids_on_sqlite_too(tmp_path):
    """The same request on an SQLite file database (the embedded default)."""
    import os
    import subprocess
    import sys

    from tests.production.docker import ROOT

    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.test import Client; from tests.personas import make_personas; p = make_personas();"
        "c = Client(); c.force_login(p.alice);"
        "print(c.get('/plans/?committee=99999999999999999999').status_code,"
        " c.get('/api/v1/reviews/?committee=99999999999999999999').status_code)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["400", "400"]
