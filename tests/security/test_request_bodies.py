"""Request bodies as real servers frame them: a chunked upload through gunicorn is read
(never answered "created 0"), and so is one through runserver, which does not decode chunked
bodies itself (config/request_body.py does: an empty chunked PATCH is a 400 naming `version`,
never a 411), a Content-Length that is not a number is a 400 (never a 500), an empty CSV is a 400."""

import http.client
import os
import socket
import subprocess

import pytest
from django.db import connections

from apps.metrics.models import Measurement
from tests.gunicorn import VENV_BIN, free_port, gunicorn

URL = "/api/v1/measurements/bulk/"
HEADER = "metric,period_start,department,channel,source,value,sample_size\n"
LIMIT = 64 * 1024


def _database_url() -> str:
    s = connections["default"].settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=_database_url(),
        MEASUREMENT_UPLOAD_MAX_BYTES=str(LIMIT),
    )
    return env


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    with gunicorn(
        cwd=tmp_path_factory.mktemp("gunicorn"), env={**_server_env(), "PYTHONPATH": os.getcwd()}
    ) as port:
        yield port


def _post_chunked(port, chunks, content_type="text/csv", token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": content_type, "Host": "localhost"}
    if token:
        headers["Authorization"] = f"Token {token}"
    # An iterable body without a Content-Length is sent with Transfer-Encoding: chunked.
    conn.request("POST", URL, body=iter(chunks), headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_csv_upload_through_gunicorn_is_stored(server, p, hierarchy):
    chunks = [
        HEADER.encode(),
        b"AHT,2025-03-01,SERVICE,PHONE,acd,31",  # a row split across chunks
        b"0,40\nWEB_ERR,2025-03-01,WEBSITE,,web,12,\n",
    ]
    status, body = _post_chunked(server, chunks, token=p.alice_token)
    assert status == 200, body
    assert b'"created":2' in body
    assert Measurement.objects.get(metric__code="AHT", source="acd").value == 310
    assert Measurement.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_json_upload_through_gunicorn_is_stored(server, p, hierarchy):
    body = b'[{"metric": "AHT", "period_start": "2025-03-01", "source": "api", "value": 5, "sample_size": 2}]'
    status, answer = _post_chunked(
        server, [body[:20], body[20:]], content_type="application/json", token=p.alice_token
    )
    assert status == 200, answer
    assert Measurement.objects.filter(source="api").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_over_the_limit_is_a_413_and_stores_nothing(server, p, hierarchy):
    line = b"AHT,2025-03-01,SERVICE,PHONE,acd,310,40\n"
    chunks = [HEADER.encode(), *([line * 100] * (LIMIT // (len(line) * 100) + 2))]
    status, answer = _post_chunked(server, chunks, token=p.alice_token)
    assert status == 413, answer
    assert b"larger than" in answer
    assert Measurement.objects.count() == 0


@pytest.mark.django_db
def test_an_empty_csv_body_is_a_400_not_zero_rows_created(api, p, hierarchy):
    for body in (b"", b"\n"):
        response = api(p.alice_token).post(URL, data=body, content_type="text/csv")
        assert response.status_code == 400, body
        assert "header" in response.json()["errors"][0]["message"]
    assert Measurement.objects.count() == 0


@pytest.fixture(scope="module")
def runserver(django_db_setup, tmp_path_factory):
    port = free_port()
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "python"),
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        env={**_server_env(), "DJANGO_DEBUG": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("runserver exited") from None
                import time

                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _raw(port, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), 30) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


@pytest.mark.postgres
@pytest.mark.parametrize("length", [b"abc", b"-5", b"1e3", b"12 34"])
def test_a_content_length_that_is_not_a_number_is_a_400_under_runserver(runserver, length):
    answer = _raw(
        runserver,
        b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + length + b"\r\n\r\n",
    )
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == b"400", answer[:300]


def _status(answer: bytes) -> bytes:
    return answer.split(b"\r\n", 1)[0].split(b" ")[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_under_runserver_is_decoded_not_refused_with_411(runserver, p, hierarchy):
    from apps.actions import services as plan_services

    auth = f"Authorization: Token {p.alice_token}\r\n".encode()
    upload = (
        b"POST /api/v1/measurements/bulk/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n"
        + auth
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + b"".join(
            b"%x\r\n%s\r\n" % (len(c), c)
            for c in (HEADER.encode(), b"AHT,2025-03-01,SERVICE,PHONE,acd,3", b"10,40\n")
        )
        + b"0\r\n\r\n"
    )
    answer = _raw(runserver, upload)
    assert _status(answer) == b"200", answer[:300]
    assert Measurement.objects.get(source="acd").value == 310
    plan = plan_services.plan_create(by=p.alice, title="Chunked", owner_department=p.service)
    empty_patch = (
        f"PATCH /api/v1/plans/{plan.pk}/ HTTP/1.1\r\nHost: localhost\r\n".encode()
        + auth
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    answer = _raw(runserver, empty_patch)
    assert _status(answer) == b"400" and b"version" in answer, answer[:300]
    malformed = (
        b"PATCH /api/v1/plans/1/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    )
    answer = _raw(runserver, malformed)
    assert _status(answer) == b"400" and b"malformed" in answer, answer[:300]
