"""The permission-matrix harness (DESIGN §6).

Every URL pattern of the project must have a `Route` here with an expectation for
every actor, for reads and for writes. `missing_expectations()` lists the patterns
that lack one, so adding a URL without saying who may use it fails the suite.

Actors:
  anonymous, cx_leader, executive,
  head_own / head_other       — head of the object's department / of another one,
  contributor_own / _other    — owner of the object's milestone / someone else,
  system                      — an integration's API token (API routes only).
  chair / secretary / member  — of the committee whose review the route touches.

Expected outcomes: an HTTP status code, or LOGIN (a redirect to the sign-in page).
A refused write (LOGIN, 401, 403, 404, 405) must leave every row unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

LOGIN = "login"

PAGE_ACTORS = (
    "anonymous",
    "cx_leader",
    "executive",
    "head_own",
    "head_other",
    "contributor_own",
    "contributor_other",
    "chair",
    "secretary",
    "member",
)
API_ACTORS = (*PAGE_ACTORS, "system")
SIGNED_IN = PAGE_ACTORS[1:]

# Outcomes after which nothing may have changed (a bad request is refused whole).
REFUSED = {LOGIN, 400, 401, 403, 404, 405, 409, 413, 415}


def expect(default, *, anonymous=LOGIN, system=None, **by_actor) -> dict:
    """Expectations for every actor: `default` unless named. `system` defaults to 403
    on the API (an integration token may only ingest)."""
    result = dict.fromkeys(SIGNED_IN, default)
    result["anonymous"] = anonymous
    result["system"] = 403 if system is None else system
    for actor, outcome in by_actor.items():
        assert actor in API_ACTORS, actor
        result[actor] = outcome
    return result


def api_expect(default, **by_actor) -> dict:
    return expect(default, anonymous=401, **by_actor)


def cx_only(ok, refused=403) -> dict:
    return expect(refused, cx_leader=ok)


def api_cx_only(ok, refused=403) -> dict:
    return api_expect(refused, cx_leader=ok)


@dataclass
class Route:
    """Who may read (GET) and write a URL. `write` is (method, data builder, expectations);
    `kwargs` builds the URL's arguments from the world."""

    name: str
    read: dict
    write: dict | None = None
    write_method: str = "post"
    data: Callable | None = None
    kwargs: Callable | None = None
    api: bool = False
    json: bool = False
    content_type: str | None = None  # e.g. text/csv: `data` returns the raw body
    query: str = ""  # appended to the URL, e.g. "?parent=CSAT"
    # Actors whose write must change nothing although the page answers 200 (a form shown
    # again with the refusal in it).
    unchanged: tuple = ()

    @property
    def actors(self) -> tuple[str, ...]:
        return API_ACTORS if self.api else PAGE_ACTORS


def all_url_names() -> set[str]:
    """Every named URL pattern of the project, namespaced (`app:name`)."""
    names: set[str] = set()
    unnamed: list[str] = []

    def walk(patterns, namespace, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(
                    pattern.url_patterns,
                    f"{namespace}:{ns}" if namespace and ns else (ns or namespace),
                    prefix + str(pattern.pattern),
                )
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    unnamed.append(prefix + str(pattern.pattern))
                else:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", "")
    names.update(f"<unnamed> {u}" for u in unnamed)
    return names


def missing_expectations(routes: list[Route], names: set[str] | None = None) -> list[str]:
    names = all_url_names() if names is None else names
    covered = {r.name for r in routes}
    missing = sorted(n for n in names if n not in covered)
    for route in routes:
        for actor in route.actors:
            if actor not in route.read:
                missing.append(f"{route.name}: no read expectation for {actor}")
            if route.write is not None and actor not in route.write:
                missing.append(f"{route.name}: no write expectation for {actor}")
    return missing


# Tables whose rows change as a side effect of any request (sessions, login
# attempts, token last-use); they say nothing about whether a write was refused.
DIGEST_SKIP = {"sessions", "axes", "contenttypes", "admin", "auth"}
DIGEST_SKIP_FIELDS = {"last_used_at", "last_login"}


def database_digest() -> str:
    """A hash of every row of every project table: equal digests, nothing changed."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.app_label in DIGEST_SKIP or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in DIGEST_SKIP_FIELDS]
        digest.update(model._meta.label.encode())
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()
