"""Production settings and the compose file, tested without Docker (no engine here)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-like-secret-0123456789-abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "cx.example.com",
    "DATABASE_URL": "postgres://cx:pw@db:5432/cx",
}


def _manage(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PROD_ENV)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_when_security_is_weakened():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env_extra={"DJANGO_SECURE_HSTS_SECONDS": "0"}
    )
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_settings_are_secure():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_AGE, s.SESSION_ABSOLUTE_SECONDS, s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CELERY_TASK_ACKS_LATE, s.CELERY_TASK_REJECT_ON_WORKER_LOST)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PROD_ENV, CELERY_BROKER_URL="redis://redis:6379/1")
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == [
        "False",
        "True",
        "True",
        "31536000",
        "1800",
        "43200",
        "False",
        "True",
        "True",
    ]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_service_the_portal_needs():
    services = _compose()["services"]
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["web"]["command"][0] == "gunicorn"
    assert services["web"]["command"][1] == "config.wsgi:application"
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def test_compose_environment_matches_the_settings():
    services = _compose()["services"]
    settings_text = "".join(
        (ROOT / "config" / "settings" / f).read_text() for f in ("base.py", "production.py")
    )
    read_by_settings = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_text))
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        for key in environment:
            if key != "DJANGO_SETTINGS_MODULE":
                assert key in read_by_settings, f"{name} sets {key}, which no setting reads"
        assert services[name]["env_file"] == ".env"
    # Every setting read from the environment is documented in .env.example.
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read_by_settings <= documented, read_by_settings - documented


def test_dockerfile_serves_with_gunicorn_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER portal" in dockerfile
    assert "requirements.lock" in dockerfile
    assert "gunicorn" in dockerfile
