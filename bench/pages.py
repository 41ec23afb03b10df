"""Pages at scale (issue 22, DESIGN §10 "Pages"): the main pages of the synthetic enterprise
served by gunicorn, timed with one client and under a loopback load.

    make bench-pages               # --size small: a few minutes
    flock /tmp/bench.lock make bench-pages SIZE=large   # the bar: p95 ≤ 200 ms (goal 100 ms)

or, by hand, against a throwaway PostgreSQL + Redis:

    scripts/with-services.sh bash -c '.venv/bin/python manage.py migrate --noinput -v0 &&
                                      .venv/bin/python bench/pages.py --size small'

What it does, in one process (the server in two more):

1. generate the enterprise (``bench/generate.py``, the same shape as ``make bench``);
2. governance on top: users per role (a CX leader, an executive, a head of each top
   department), ≈ 500 action plans (at large; a quarter at medium, a fifth at small) with
   milestones, progress updates, contributing departments and expected impacts, a
   committee per division with three closed reviews (agenda, notes, decisions, minutes)
   and one in session;
3. the full roll-up (``rollup_full`` with the fixed ``today`` of ``bench/run.py``);
4. gunicorn (2 sync workers, ``config.settings.production``, loopback) on the clock of
   2026-01-02 (``bench/pages_wsgi.py``): the last closed month is 2025-12, the last
   generated one;
5. each page as the CX leader and as a department head (signed in through the login
   form; the API with a token): 2 warm-up requests, then 50 sequential requests with one
   client (p50 / p95 / p99, connect to last byte), then 8 concurrent clients (threads,
   ``http.client``, one request each at a time) for ``--load-requests`` requests
   (requests/s: the clients share the 2 cores with the server, so indicative);
   each page's SQL query count comes from the same request once through Django's test
   client in this process (``CaptureQueriesContext``), its size from the server's answer.

Prints one table. Exits 1 when a page answers anything but 200, and with ``--strict``
when a page's p95 is above the 200 ms floor on ``--size large``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import io
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import generate
from generate import ROOT, TODAY

PY = sys.executable
#: The server's (and this process's) clock: the day after the generated range, so pages
#: open on 2025-12 and the ROI ranking reads 2025-12's gaps.
BENCH_NOW = "2026-01-02T09:00:00+00:00"
PERIOD = "2025-12"
PASSWORD = "bench-pages-password-2026"
GOAL_MS, FLOOR_MS = 100.0, 200.0
PLANS = {"small": 100, "medium": 250, "large": 500}


def log(message: str) -> None:
    print(f"[bench-pages {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- 2. governance on top of the generated enterprise ----------------------------------------


@dataclass
class World:
    ent: generate.Enterprise
    leader: object = None
    executive: object = None
    head: object = None  # head of the first division's top department
    head_department: object = None
    leader_token: str = ""
    head_token: str = ""
    plans: int = 0
    closed_review: int = 0
    open_review: int = 0
    committees: int = 0
    reviews: int = 0
    decisions: int = 0


_PASSWORD_HASH: str | None = None


def _user(email: str, name: str, grants, department=None):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from apps.organization.models import RoleGrant, User

    user = User.objects.create_user(email, None, display_name=name, primary_department=department)
    # Hashed for the server's settings (this process runs the test settings' MD5 hasher),
    # once for every bench user: a PBKDF2 hash takes half a second.
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        hasher = PBKDF2PasswordHasher()
        _PASSWORD_HASH = hasher.encode(PASSWORD, hasher.salt())
    user.password = _PASSWORD_HASH
    user.save(update_fields=["password"])
    RoleGrant.objects.bulk_create(RoleGrant(user=user, role=role, department=dept) for role, dept in grants)
    return user


def seed_governance(ent: generate.Enterprise, size: str, seed: int) -> World:
    """Users, plans (bulk: the bench's own data, like the measurements' COPY), committees
    and reviews (through the services, so agendas and frozen figures are the real ones)."""
    import random

    from django.db import transaction

    from apps.actions.models import ActionPlan, ExpectedImpact, Milestone, ProgressUpdate
    from apps.core import roles
    from apps.organization.models import Department
    from apps.organization.services import token_create

    rng = random.Random(seed + 22)
    w = World(ent=ent)
    departments = {d.pk: d for d in Department.objects.all()}
    tops = [departments[pk] for pk in ent.dept_ids if departments[pk].parent_id is None]
    with transaction.atomic():
        w.leader = _user("bench.leader@example.com", "Bench CX leader", [(roles.CX_LEADER, None)])
        w.executive = _user("bench.exec@example.com", "Bench executive", [(roles.EXECUTIVE, None)])
        heads = [
            _user(
                f"head.{d.code}@example.com", f"Head of {d.name}", [(roles.DEPARTMENT_HEAD, d)], department=d
            )
            for d in tops
        ]
        w.head, w.head_department = heads[0], tops[0]
        contributors = [
            _user(f"contrib.{d.code}@example.com", f"Contributor {d.name}", [(roles.CONTRIBUTOR, None)], d)
            for d in [departments[pk] for pk in ent.dept_ids]
        ]
        people = heads + contributors
        leaves = [m for m in ent.metrics if m.level == "operational"]
        statuses = ["active"] * 6 + ["at_risk", "blocked", "draft", "done", "cancelled"]
        n_plans = PLANS[size]
        plans = []
        for i in range(n_plans):
            dept_index = i % len(ent.dept_ids)
            plans.append(
                ActionPlan(
                    title=f"Plan {i:04d}: improve {leaves[i % len(leaves)].code}",
                    problem_statement="Synthetic plan for the pages bench.",
                    owner=people[i % len(people)],
                    owner_department_id=ent.dept_ids[dept_index],
                    status=statuses[i % len(statuses)],
                    start=date(2025, 1, 1) + timedelta(days=i % 300),
                    due=date(2025, 1, 1) + timedelta(days=i % 300 + 60 + (i * 7) % 300),
                    cost_estimate=float(rng.randrange(5_000, 200_000, 500)),
                    effort="SML"[i % 3],
                )
            )
        plans = ActionPlan.objects.bulk_create(plans)
        through = ActionPlan.contributing_departments.through
        links, milestones, updates, impacts = [], [], [], []
        for i, plan in enumerate(plans):
            for k in (1, 2):
                other = ent.dept_ids[(i + k * 3) % len(ent.dept_ids)]
                if other != plan.owner_department_id:
                    links.append(through(actionplan_id=plan.pk, department_id=other))
            for k in range(4):
                due = plan.start + timedelta(days=30 * (k + 1))
                milestones.append(
                    Milestone(
                        plan=plan,
                        title=f"Step {k + 1}",
                        owner=people[(i + k) % len(people)],
                        due=due,
                        done_at=None if k >= (i % 5) else _aware(due),
                        weight=float(k + 1),
                    )
                )
            updates.append(
                ProgressUpdate(
                    plan=plan, author=plan.owner, rag=["green", "amber", "red"][i % 3], percent=i % 100
                )
            )
            for k in range(1 + i % 2):
                m = leaves[(i + k * 17) % len(leaves)]
                better = 1.0 if m.direction == "higher_is_better" else -1.0
                impacts.append(
                    ExpectedImpact(plan=plan, metric_id=m.pk, expected_change=better * m.base * 0.03)
                )
        through.objects.bulk_create(links)
        Milestone.objects.bulk_create(milestones)
        ProgressUpdate.objects.bulk_create(updates)
        ExpectedImpact.objects.bulk_create(impacts)
        w.plans = len(plans)
        w.leader_token = token_create(user=w.leader, name="bench pages")[1]
        w.head_token = token_create(user=w.head, name="bench pages")[1]
    return w


def _aware(day: date):
    from datetime import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def seed_committees(w: World) -> None:
    """A committee per division (its money tops and experience metrics, its departments),
    three closed reviews each (Oct, Nov, Dec 2025: agenda generated from the snapshots,
    notes, decisions, closed: figures frozen) and one review in session (the workspace)."""
    from apps.committees import services
    from apps.committees.models import Decision
    from apps.organization.models import Department

    ent = w.ent
    tops = list(Department.objects.filter(parent__isnull=True, code__startswith="div-").order_by("code"))
    heads = {g.department_id: g.user for g in _head_grants()}
    for index, top in enumerate(tops):
        division = f"{index:02d}"
        scope = [m.pk for m in ent.metrics if m.level != "operational" and f"-{division}" in m.code]
        members = [w.executive, heads[top.pk]]
        committee = services.committee_create(
            by=w.leader,
            name=f"Division {division} CX committee",
            chair=w.leader,
            secretary=heads[top.pk],
            members=members,
            scope_metrics=scope,
            # The division's head department (a tenth of its operational KPIs) and the
            # division's experience and money metrics: an agenda of a few dozen items. With
            # every department of the division the generated agenda held every red metric
            # of 200 (134 items at medium): the generator has no cap (see the README).
            scope_departments=[top],
        )
        w.committees += 1
        for month in (10, 11, 12, 13):
            when = date(2025, month, 15) if month <= 12 else date(2026, 1, 2)
            review = services.review_schedule(committee=committee, by=w.leader, scheduled_for=when)
            review = services.review_open(review=review, by=w.leader)
            services.attendance_set(review=review, by=w.leader, attendees=[w.leader, *members])
            items = list(review.items.all()[:6])
            if not items:
                items = [services.agenda_add_free(review=review, by=w.leader, title="Standing item")]
            for k, item in enumerate(items):
                services.note_add(item=item, by=w.leader, text=f"Discussed {item.title}; figures reviewed.")
                services.note_add(item=item, by=heads[top.pk], text="Owner department agrees.")
                kind = Decision.Kind.ASSIGN_OWNER if k % 2 else Decision.Kind.NOTE
                services.decision_create(
                    item=item,
                    by=w.leader,
                    kind=kind,
                    text=f"Follow up {item.title}",
                    owner=heads[top.pk],
                    owner_department=top,
                    due=when + timedelta(days=30),
                )
                w.decisions += 1
            w.reviews += 1
            if month <= 12:
                services.review_close(review=review, by=w.leader)
                if index == 0:
                    w.closed_review = review.pk
            elif index == 0:
                w.open_review = review.pk


def _head_grants():
    from apps.core import roles
    from apps.organization.models import RoleGrant

    return RoleGrant.objects.filter(role=roles.DEPARTMENT_HEAD).select_related("user")


# --- 4. the server ---------------------------------------------------------------------------


class Server:
    """gunicorn (2 sync workers, production settings) on loopback; the env of
    ``bench/run.py``'s ``Services`` plus a static root and the bench's clock."""

    def __init__(self, workdir: Path, broker_url: str):
        from run import Services

        self.services = Services(workdir, broker_url)  # its env, port and process handling
        self.port = self.services.port
        self.env = self.services.env
        self.env.update(
            {
                "DJANGO_STATIC_ROOT": str(workdir / "static"),
                "BENCH_NOW": BENCH_NOW,
                # Loopback, no proxy in front: the client's address is the peer's.
                "PORTAL_TRUSTED_PROXY_COUNT": "0",
                "DJANGO_SECURE_HSTS_SECONDS": "0",
            }
        )

    def start(self) -> None:
        log("collectstatic (production storage: hashed names) …")
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        bin_dir = Path(PY).parent
        self.services._spawn(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "pages_wsgi:application",
                f"--pythonpath={ROOT / 'bench'},{ROOT}",
                "--workers=2",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=300",
            ],
        )
        deadline = time.monotonic() + 120
        while not self.services._http_ok():
            for p in self.services.procs:
                if p.poll() is not None:
                    raise SystemExit(
                        f"gunicorn exited {p.returncode}: {self.services.log('gunicorn')[-2000:]}"
                    )
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn not ready after 120 s: {self.services.log('gunicorn')[-2000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.services.stop()


# --- 5. the client -------------------------------------------------------------------------


@dataclass
class Persona:
    name: str
    user: object
    headers: dict  # Cookie or Authorization


def request(port: int, path: str, headers: dict) -> tuple[float, int, int]:
    """(seconds connect to last byte, status, body bytes) of one GET."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, response.status, len(body)


def login(port: int, email: str) -> dict:
    """Sign in through the login form; the session cookie as a header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    page = response.read().decode()
    jar = SimpleCookie()
    for value in response.headers.get_all("Set-Cookie") or []:
        jar.load(value)
    conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/accounts/login/",
        body=urlencode({"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers={
            "Host": "127.0.0.1",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    for value in response.headers.get_all("Set-Cookie") or []:
        jar.load(value)
    conn.close()
    if response.status != 302:
        raise SystemExit(f"login of {email} answered {response.status}, expected a redirect")
    session = [k for k in jar if "sessionid" in k]
    if not session:
        raise SystemExit(f"login of {email} set no session cookie")
    return {"Cookie": "; ".join(f"{k}={m.value}" for k, m in jar.items())}


@dataclass
class Result:
    page: str
    persona: str
    path: str
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    rps: float | None = None
    queries: int | None = None
    cpu: float | None = None
    kb: float = 0.0
    status: int = 0
    notes: str = ""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def sequential(port: int, path: str, headers: dict, n: int) -> tuple[list[float], int, int]:
    times, status, size = [], 0, 0
    for _ in range(n):
        seconds, status, size = request(port, path, headers)
        if status != 200:
            break
        times.append(seconds)
    return times, status, size


def under_load(port: int, path: str, headers: dict, clients: int, total: int) -> float:
    """Requests per second of `total` requests from `clients` threads (bounded: each
    client sends its next request when the last one has answered)."""
    counter = iter(range(total))
    lock = threading.Lock()

    def client() -> int:
        done = 0
        while True:
            with lock:
                if next(counter, None) is None:
                    return done
            request(port, path, headers)
            done += 1

    started = time.perf_counter()
    with concurrent_pool(clients) as pool:
        done = sum(pool.map(lambda _i: client(), range(clients)))
    return done / (time.perf_counter() - started)


def concurrent_pool(n: int):
    return concurrent.futures.ThreadPoolExecutor(max_workers=n)


def count_queries(path: str, user, api_token: str | None) -> tuple[int, float]:
    """The page's SQL queries and the CPU seconds Django spends on it (PostgreSQL's time
    not included; the median of 3): the same GET through Django's test client here, after
    a warm-up request, so per-process caches such as content types are not counted. The
    CPU time is what a busy machine changes least: the latencies above include waiting for
    a core."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {api_token}") if api_token else Client()
    if not api_token:
        client.force_login(user)
    client.get(path)
    cpu = []
    for _ in range(3):
        started = time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        cpu.append(time.process_time() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path}: the test client got {response.status_code}")
    return len(ctx.captured_queries), statistics.median(cpu)


# --- the pages -------------------------------------------------------------------------------


def pages(w: World) -> list[tuple[str, str, bool]]:
    """(label, path, is_api) of every main page."""
    from apps.actions.models import ActionPlan

    ent = w.ent
    leaf = next(m for m in ent.metrics if m.level == "operational")
    top = ent.metrics[0]  # REV-00, a money top
    per_page = 25
    last_page = max(1, math.ceil(ActionPlan.objects.count() / per_page))
    p = f"?period={PERIOD}"
    branch = f"/metrics/hierarchy/{top.code}/children/"
    return [
        ("executive overview", f"/{p}", False),
        ("hierarchy month", f"/metrics/hierarchy/{p}", False),
        ("hierarchy month: expand a top", f"{branch}?period={PERIOD}&path={top.code}", False),
        ("hierarchy quarter", "/metrics/hierarchy/?period=2025-Q4", False),
        ("hierarchy quarter: expand a top", f"{branch}?period=2025-Q4&path={top.code}", False),
        ("hierarchy year", "/metrics/hierarchy/?period=2025", False),
        ("hierarchy year: expand a top", f"{branch}?period=2025&path={top.code}", False),
        ("metric detail: leaf", f"/metrics/{leaf.code}/{p}", False),
        ("metric detail: money top", f"/metrics/{top.code}/{p}", False),
        ("department page", f"/organisation/departments/{w.head_department.pk}/", False),
        ("responsibility matrix", "/plans/responsibility/", False),
        ("plan list: first page", "/plans/", False),
        ("plan list: last page", f"/plans/?page={last_page}", False),
        ("ROI ranking", "/plans/ranking/", False),
        ("review workspace", f"/committees/reviews/{w.open_review}/", False),
        ("minutes", f"/committees/reviews/{w.closed_review}/minutes/", False),
        ("API snapshots (period, org)", f"/api/v1/snapshots/?period={PERIOD}&scope=org", True),
        ("API snapshots (a metric)", f"/api/v1/snapshots/?metric={leaf.code}", True),
        (
            "API measurements (metric, month)",
            f"/api/v1/measurements/?metric={leaf.code}&period={PERIOD}",
            True,
        ),
        ("API plans", "/api/v1/plans/", True),
    ]


def verdict(p95_ms: float, applies: bool) -> str:
    if p95_ms <= GOAL_MS:
        return "yes"
    if p95_ms <= FLOOR_MS:
        return "≤ 200"
    return "NO" if applies else "n/a"


def print_table(results: list[Result], args, w: World, seconds: dict) -> None:
    header = ["page", "as", "p50 ms", "p95 ms", "p99 ms", "req/s (8)", "queries", "CPU ms", "KB", "p95 ≤ 100"]
    cells = [header]
    for r in results:
        cells.append(
            [
                r.page,
                r.persona,
                f"{r.p50 * 1000:.1f}",
                f"{r.p95 * 1000:.1f}",
                f"{r.p99 * 1000:.1f}",
                "" if r.rps is None else f"{r.rps:.1f}",
                "" if r.queries is None else str(r.queries),
                "" if r.cpu is None else f"{r.cpu * 1000:.0f}",
                f"{r.kb:.1f}",
                verdict(r.p95 * 1000, args.size == "large") if r.status == 200 else f"HTTP {r.status}",
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    out = io.StringIO()
    for n, row in enumerate(cells):
        out.write("| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(row)) + " |\n")
        if n == 0:
            out.write("|" + "|".join("-" * (wd + 2) for wd in widths) + "|\n")
    from run import server_settings_text_safe

    ent = w.ent
    print(
        f"\nmake bench-pages SIZE={args.size} — {os.cpu_count()} cores, {server_settings_text_safe()}\n"
        f"{len(ent.dept_ids)} departments, {len(ent.metrics):,} metrics, {ent.rows:,} measurements, "
        f"{seconds['snapshots']:,} snapshots, {w.plans} plans, {w.committees} committees, "
        f"{w.reviews} reviews, {w.decisions} decisions; generate {seconds['generate']:.0f} s, "
        f"governance {seconds['governance']:.0f} s, roll-up {seconds['rollup']:.0f} s; "
        f"{args.requests} sequential requests per page, {args.load_requests} with 8 clients; "
        f"load average at the end {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} / "
        f"{os.getloadavg()[2]:.1f} (1 / 5 / 15 min; CPU ms: Django's own CPU for one request, "
        "in the bench process)\n"
    )
    print(out.getvalue(), flush=True)


def setup(argv):
    parser = argparse.ArgumentParser(description="DESIGN §10 pages bar")
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="small")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--requests", type=int, default=50, help="sequential requests per page and persona")
    parser.add_argument("--load-requests", type=int, default=48, help="requests with 8 clients (0: skip)")
    parser.add_argument("--only", default="", help="comma-separated substrings of page labels to run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a p95 is above 200 ms on large")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit(
            "bench/pages.py needs DATABASE_URL=postgres://… (run it through scripts/with-services.sh)"
        )
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    # Nothing here queues work for a worker: the roll-up is run in process, by hand.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_EAGER"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    generate.setup_django()
    from pages_wsgi import shift_clock

    shift_clock(BENCH_NOW)  # the world is seeded and counted on the server's clock
    return args, broker_url or "memory://"


def main(argv=None) -> int:
    args, broker_url = setup(argv)
    from run import apply_server_settings, server_settings_text, timed

    from apps.metrics.models import RollupSnapshot
    from apps.metrics.rollup import rollup_full

    apply_server_settings()
    log(f"server: {server_settings_text()}")
    seconds: dict = {}
    log(f"generating --size {args.size} …")
    ent = generate.generate(args.size, args.seed, verbose=False)
    seconds["generate"] = ent.seconds
    log("governance: users, plans …")
    t0 = time.perf_counter()
    w = seed_governance(ent, args.size, args.seed)
    log("full roll-up …")
    seconds["rollup"], _stats = timed(rollup_full, today=TODAY)
    log("committees and reviews …")
    seed_committees(w)
    seconds["governance"] = time.perf_counter() - t0 - seconds["rollup"]
    seconds["snapshots"] = RollupSnapshot.objects.count()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()  # the server's workers hold the connections from here on

    workdir = Path(tempfile.mkdtemp(prefix="cx-bench-pages-"))
    server = Server(workdir, broker_url)
    results: list[Result] = []
    failures: list[str] = []
    try:
        server.start()
        port = server.port
        personas = [
            (Persona("CX leader", w.leader, login(port, w.leader.email)), w.leader_token),
            (Persona("dept head", w.head, login(port, w.head.email)), w.head_token),
        ]
        only = [s.strip() for s in args.only.split(",") if s.strip()]
        for label, path, is_api in pages(w):
            if only and not any(s in label for s in only):
                continue
            for persona, token in personas:
                headers = {"Authorization": f"Token {token}"} if is_api else persona.headers
                r = Result(label, persona.name, path)
                for _ in range(2):  # warm both workers
                    request(port, path, headers)
                times, r.status, size = sequential(port, path, headers, args.requests)
                r.kb = size / 1024
                if r.status != 200:
                    failures.append(f"{label} as {persona.name}: HTTP {r.status} ({path})")
                    results.append(r)
                    continue
                r.p50 = statistics.median(times)
                r.p95 = percentile(times, 95)
                r.p99 = percentile(times, 99)
                if args.load_requests and persona.name == "CX leader":
                    r.rps = under_load(port, path, headers, 8, args.load_requests)
                r.queries, r.cpu = count_queries(path, persona.user, token if is_api else None)
                log(
                    f"{label} as {persona.name}: p50 {r.p50 * 1000:.0f} p95 {r.p95 * 1000:.0f} ms, "
                    f"{r.queries} queries, {r.kb:.0f} KB"
                )
                results.append(r)
    finally:
        server.stop()
        print_table(results, args, w, seconds)
        if failures:
            log(f"--- gunicorn log (tail) ---\n{server.services.log('gunicorn')[-3000:]}")
        with contextlib.suppress(OSError):
            subprocess.run(["rm", "-rf", str(workdir)], check=False)
    for failure in failures:
        log(f"FAILED: {failure}")
    slow = [r for r in results if r.status == 200 and r.p95 * 1000 > FLOOR_MS]
    for r in slow:
        log(f"above the 200 ms floor: {r.page} as {r.persona} (p95 {r.p95 * 1000:.0f} ms)")
    if failures:
        return 1
    return 1 if (args.strict and args.size == "large" and slow) else 0


if __name__ == "__main__":
    sys.exit(main())
