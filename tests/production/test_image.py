"""The production image, emulated without a Docker engine: what the build context sends,
the Dockerfile's build step (collectstatic with production settings), and the container
serving the sign-in page and answering the compose health check over plain http."""

import json
import os
import re
import shutil
import subprocess
import urllib.request

import pytest
import yaml

from tests.gunicorn import VENV_BIN, gunicorn
from tests.production.docker import (
    ROOT,
    context_files,
    dockerfile_env,
    dockerfile_instructions,
    dockerignore_rules,
    is_excluded,
)

NEVER_SENT = [
    ".env",
    ".env.production",
    ".git/HEAD",
    ".git/objects/ab/cdef",
    ".venv/bin/python",
    "venv/lib/site.py",
    "db.sqlite3",
    "db.sqlite3-journal",
    "var/demo.sqlite3",
    "apps/core/__pycache__/models.cpython-311.pyc",
    "staticfiles/staticfiles.json",
    ".pytest_cache/v/cache/lastfailed",
    ".ruff_cache/0.1/x",
    ".hypothesis/examples/x",
    "bench/out/rollup.json",
]
ALWAYS_SENT = [
    "manage.py",
    "requirements.lock",
    "config/settings/production.py",
    "config/wsgi.py",
    "apps/core/models.py",
    "templates/base.html",
    "static/vendor/htmx-2.0.11.min.js",
    "locale/es/LC_MESSAGES/django.po",
    ".env.example",
]


def _forbidden(path: str) -> bool:
    parts = path.split("/")
    return (
        bool(
            {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
            & set(parts)
        )
        or parts[0] in {"staticfiles", "var"}
        or path.startswith("bench/out/")
        or (parts[-1].startswith(".env") and parts[-1] != ".env.example")
        or ".sqlite3" in parts[-1]
    )


def test_dockerignore_matches_like_docker():
    rules = dockerignore_rules("# c\n/.venv\n**/*.pyc\nstatic/*.map\n!static/keep.map\ndocs/*/big?.png\n")
    assert is_excluded(".venv/bin/python", rules)
    assert is_excluded("a/b/c.pyc", rules) and is_excluded("c.pyc", rules)
    assert is_excluded("static/x.map", rules) and not is_excluded("static/keep.map", rules)
    assert not is_excluded("static/vendor/x.map", rules)  # `*` stays within one segment
    assert is_excluded("docs/shots/big1.png", rules) and not is_excluded("docs/shots/big10.png", rules)
    assert not is_excluded("manage.py", rules)


def test_build_context_never_sends_secrets_environments_databases_or_caches():
    rules = dockerignore_rules()
    assert rules, "there is no .dockerignore: COPY . . would put .env, .venv and db.sqlite3 in the image"
    assert [path for path in NEVER_SENT if not is_excluded(path, rules)] == []
    assert [path for path in ALWAYS_SENT if is_excluded(path, rules)] == []
    # And what this checkout would really send right now.
    sent = context_files()
    assert [path for path in sent if _forbidden(path)] == []
    assert set(ALWAYS_SENT) <= set(sent)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """/app as the Dockerfile builds it: the build context copied, then its RUN step that
    collects static files, with only the image's environment (no .env, no secrets)."""
    app = tmp_path_factory.mktemp("image") / "app"
    for path in context_files():
        target = app / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / path).is_symlink():
            continue
        shutil.copy2(ROOT / path, target)
    instructions = dockerfile_instructions()
    build_steps = [
        args for instruction, args in instructions if instruction == "RUN" and "collectstatic" in args
    ]
    assert len(build_steps) == 1
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(app), **dockerfile_env(instructions)}
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    result = subprocess.run(
        ["bash", "-c", build_steps[0]], cwd=app, env=env, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cmd = json.loads(next(args for instruction, args in instructions if instruction == "CMD"))
    return app, env, cmd


def test_the_image_build_step_collects_hashed_static_files_under_production_settings(image):
    app, _, _ = image
    manifest = json.loads((app / "staticfiles" / "staticfiles.json").read_text())["paths"]
    assert re.fullmatch(
        r"vendor/chart-4\.6\.1\.umd\.min\.[0-9a-f]{12}\.js", manifest["vendor/chart-4.6.1.umd.min.js"]
    )
    assert (app / "staticfiles" / manifest["css/app.css"]).exists()


@pytest.fixture(scope="module")
def container(image):
    """The web service as compose runs it: production settings, migrate, then the image's CMD."""
    app, image_env, cmd = image
    env = {
        **image_env,
        "DJANGO_SECRET_KEY": "container-test-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "cx.example.com",
        "DATABASE_URL": f"sqlite:///{app / 'portal.sqlite3'}",
    }
    migrate = _compose()["services"]["migrate"]["command"]
    result = subprocess.run(migrate, cwd=app, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert cmd[0] == "gunicorn"
    with gunicorn(cwd=app, env=env, args=[*cmd[:1], *cmd[1:], "--workers", "1"]) as port:
        yield app, env, port


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_health_check_passes_over_plain_http_under_production_settings(container):
    app, env, port = container
    test = _compose()["services"]["web"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    command = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in test[1:]]
    result = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_container_serves_the_sign_in_page_with_its_hashed_static_files(container):
    _, _, port = container
    headers = {"Host": "cx.example.com", "X-Forwarded-Proto": "https"}
    with urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/", headers=headers)
    ) as r:
        assert r.status == 200
        page = r.read().decode()
    assert 'name="username"' in page
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, "the sign-in page does not link the hashed stylesheet"
    with urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{port}{css[1]}", headers=headers)
    ) as r:
        assert r.status == 200
        assert b"--brand" in r.read()


def test_other_pages_still_redirect_plain_http_to_https(container):
    _, _, port = container

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/accounts/login/", headers={"Host": "cx.example.com"}
    )
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"] == "https://cx.example.com/accounts/login/"
    assert os.environ.get("DJANGO_SETTINGS_MODULE", "") != "config.settings.production"
