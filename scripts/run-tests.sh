#!/usr/bin/env bash
# The test suite proper; scripts/with-services.sh has started PostgreSQL and Redis
# and exported DATABASE_URL, REDIS_URL and CELERY_BROKER_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
: "${DATABASE_URL:?run through scripts/with-services.sh}"

echo "== pytest on PostgreSQL ($DATABASE_URL) with ${PYTEST_WORKERS:-2} workers"
# --create-db: the throwaway server is new anyway; never reuse a stale schema.
$PY -m pytest -n "${PYTEST_WORKERS:-2}" --create-db -p no:cacheprovider "$@"

echo "== demo smoke test on SQLite"
smoke=$(mktemp -d)
trap 'rm -rf "$smoke"' EXIT
env -u CELERY_BROKER_URL DATABASE_URL="sqlite:///$smoke/demo.sqlite3" DJANGO_SETTINGS_MODULE=config.settings.local \
    bash -c "$PY manage.py migrate --noinput -v0 && $PY manage.py demo >/dev/null && $PY manage.py demo | tail -n 12 && $PY manage.py check"
echo "demo smoke test: ok"
