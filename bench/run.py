"""The roll-up and ingest bars of DESIGN §10, measured side by side in one run.

    make bench               # --size small: seconds
    make bench SIZE=large    # the bars: 100 departments, 2,000 metrics, ≈ 5 million rows

or, by hand, against a throwaway PostgreSQL + Redis:

    scripts/with-services.sh bash -c '.venv/bin/python manage.py migrate --noinput -v0 &&
                                      .venv/bin/python bench/run.py --size small'

Stages (all on the same PostgreSQL, with the same server settings, in this order):

1. generate the synthetic enterprise (``bench/generate.py``, COPY);
2. reference: one hand-written ``INSERT … SELECT … GROUP BY GROUPING SETS`` computing and
   storing the actuals into ``bench_reference_actuals``;
3. the portal's full roll-up (``rollup_full``), each stage timed; its actuals must equal
   the reference (1e-9 relative) for every (metric, period, scope), both ways;
4. pandas from a CSV export of the same rows (read_csv + group-bys), checked against the
   reference too;
5. one day of one department ingested with ``measurements_ingest``, then ``rollup_dirty``
   timed against the full roll-up, then ``rollup_full`` again: every snapshot must equal
   the one the incremental run left;
6. API ingest: a CSV of ``--api-rows`` new rows POSTed to gunicorn (2 workers) on loopback
   while a Celery worker runs; rows/s, against PostgreSQL's own COPY of the same file.

Prints one table (``stage | seconds | ratio | bar | ok | notes``). Exits 1 when a
correctness check fails, and with ``--strict`` also when a bar is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import generate
from generate import FIRST_DAY, LAST_DAY, ROOT, SOURCE, TODAY

PY = sys.executable
#: Relative tolerance of every float comparison (DESIGN §4: stored unrounded; the SQL sums
#: and the engine's fsum agree to rounding, not bit for bit).
RTOL = 1e-9

# Server settings for the bench, applied with ALTER SYSTEM before anything is measured, so
# the reference, the roll-up and the ingest all run under them. They are the settings
# README recommends for production (docs in bench/README.md); memory sized for 24 GB.
SERVER_SETTINGS = {
    # Hash aggregates of a few hundred thousand groups stay in memory instead of spilling
    # to sorts on disk (the roll-up's and the reference's GROUP BYs).
    "work_mem": "'256MB'",
    "hash_mem_multiplier": "2",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'8GB'",
}


@dataclass
class Row:
    stage: str
    seconds: float | None
    ratio: str = ""
    bar: str = ""
    ok: str = ""
    notes: str = ""


class CheckFailed(Exception):
    pass


# --- helpers -------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sql(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - started, value


def apply_server_settings() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, value in SERVER_SETTINGS.items():
            cursor.execute(f"ALTER SYSTEM SET {name} = {value}")
        cursor.execute("SELECT pg_reload_conf()")
    connection.close()  # the next connection starts with the reloaded settings


def server_settings_text() -> str:
    names = [*SERVER_SETTINGS, "shared_buffers", "max_parallel_workers_per_gather", "jit", "fsync"]
    rows = sql("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s) ORDER BY name", [names])
    return ", ".join(f"{n}={s}{u or ''}" for n, s, u in rows)


# --- 2. the reference ----------------------------------------------------------------------

REFERENCE_TABLE = """
DROP TABLE IF EXISTS bench_reference_actuals;
CREATE TABLE bench_reference_actuals (
    metric_id bigint NOT NULL,
    period_kind varchar(8) NOT NULL,
    period_start date NOT NULL,
    scope_kind varchar(8) NOT NULL,
    scope_id bigint NOT NULL,
    actual double precision
)
"""

# Department × channel rows of `mean` and `sum` metrics from one source: §4 item 1 is plain
# grouping, and §4 item 2 is Σ value·n / Σ n (mean) or Σ value (sum) per period and scope.
REFERENCE_SQL = """
INSERT INTO bench_reference_actuals (metric_id, period_kind, period_start, scope_kind, scope_id, actual)
SELECT metric_id,
       CASE WHEN GROUPING(month) = 0 THEN 'month' WHEN GROUPING(quarter) = 0 THEN 'quarter' ELSE 'year' END,
       coalesce(month, quarter, year),
       CASE WHEN GROUPING(dept_key) = 0 THEN 'dept' WHEN GROUPING(chan_key) = 0 THEN 'channel' ELSE 'org' END,
       coalesce(dept_key, chan_key, 0),
       CASE WHEN is_mean THEN sum(value * sample_size) / sum(sample_size) ELSE sum(value) END
FROM (
    SELECT x.metric_id, m.aggregation = 'mean' AS is_mean, x.dept_key, x.chan_key, x.value, x.sample_size,
           date_trunc('month', x.period_start::timestamp)::date AS month,
           date_trunc('quarter', x.period_start::timestamp)::date AS quarter,
           date_trunc('year', x.period_start::timestamp)::date AS year
    FROM metrics_measurement x JOIN metrics_metric m ON m.id = x.metric_id
) r
GROUP BY metric_id, is_mean, GROUPING SETS (
    (month), (month, dept_key), (month, chan_key),
    (quarter), (quarter, dept_key), (quarter, chan_key),
    (year), (year, dept_key), (year, chan_key)
)
"""

COMPARE_SQL = """
SELECT count(*) FILTER (WHERE r.metric_id IS NOT NULL AND s.metric_id IS NOT NULL),
       count(*) FILTER (WHERE s.metric_id IS NULL),
       count(*) FILTER (WHERE r.metric_id IS NULL),
       count(*) FILTER (WHERE abs(r.actual - s.actual) > %(rtol)s * greatest(abs(r.actual), abs(s.actual))),
       coalesce(max(abs(r.actual - s.actual) / nullif(greatest(abs(r.actual), abs(s.actual)), 0)), 0)
FROM bench_reference_actuals r
FULL JOIN (SELECT * FROM metrics_rollupsnapshot WHERE actual IS NOT NULL) s
  ON s.metric_id = r.metric_id AND s.period_kind = r.period_kind AND s.period_start = r.period_start
 AND s.scope_kind = r.scope_kind AND s.scope_id = r.scope_id
"""


def run_reference() -> tuple[float, int]:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        for statement in REFERENCE_TABLE.split(";"):
            cursor.execute(statement)
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(REFERENCE_SQL)
        seconds = time.perf_counter() - started
        count = cursor.rowcount
    return seconds, count


def compare_with_reference() -> tuple[int, float]:
    matched, missing, extra, different, worst = sql(COMPARE_SQL, {"rtol": RTOL})[0]
    if missing or extra or different or not matched:
        raise CheckFailed(
            f"portal actuals differ from the reference: {matched} equal, {different} different, "
            f"{missing} missing from the portal, {extra} only in the portal (worst {worst:.3g})"
        )
    return matched, worst


def stage_one_path() -> str:
    """Which stage 1 the roll-up used: the set-based SQL, or the Python reference fallback."""
    try:
        from apps.metrics.sql_actuals import pg_actuals  # noqa: F401
    except ImportError:
        return "Python reference (apps/metrics/sql_actuals.py missing)"
    return "sql_actuals.pg_actuals"


# --- 4. pandas -----------------------------------------------------------------------------

EXPORT_SQL = """
COPY (SELECT x.metric_id, x.period_start, x.dept_key, x.chan_key, x.value, x.sample_size,
             (m.aggregation = 'mean')::int AS is_mean
      FROM metrics_measurement x JOIN metrics_metric m ON m.id = x.metric_id)
TO STDOUT WITH (FORMAT csv, HEADER)
"""


def export_csv(path: Path) -> None:
    from django.db import connection

    with connection.cursor() as cursor, path.open("wb") as out, cursor.cursor.copy(EXPORT_SQL) as copy:
        for block in copy:
            out.write(block)


def pandas_actuals(path: Path):
    """The same actuals with pandas: read the CSV, then one group-by per period kind and scope."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(
        path,
        dtype={
            "metric_id": "int64",
            "dept_key": "int64",
            "chan_key": "int64",
            "value": "float64",
            "sample_size": "float64",
            "is_mean": "int8",
        },
        engine="c",
    )
    day = pd.to_datetime(df["period_start"], format="%Y-%m-%d").to_numpy().astype("datetime64[M]")
    months = day.astype("int64")  # months since 1970-01
    df["month"] = months
    df["quarter"] = months - months % 3
    df["year"] = months - months % 12
    df["vw"] = df["value"] * df["sample_size"]
    parts = []
    for kind in ("month", "quarter", "year"):
        for scope_kind, scope in (("org", None), ("dept", "dept_key"), ("channel", "chan_key")):
            keys = ["metric_id", "is_mean", kind] + ([scope] if scope else [])
            g = df.groupby(keys, sort=False)[["vw", "sample_size", "value"]].sum().reset_index()
            parts.append(
                pd.DataFrame(
                    {
                        "metric_id": g["metric_id"],
                        "period_kind": kind,
                        "month_index": g[kind],
                        "scope_kind": scope_kind,
                        "scope_id": g[scope] if scope else 0,
                        "actual": np.where(g["is_mean"] == 1, g["vw"] / g["sample_size"], g["value"]),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def compare_pandas(result) -> tuple[int, float]:
    import numpy as np
    import pandas as pd

    rows = sql(
        "SELECT metric_id, period_kind,"
        " (extract(year FROM period_start)::int - 1970) * 12 + extract(month FROM period_start)::int - 1,"
        " scope_kind, scope_id, actual FROM bench_reference_actuals"
    )
    ref = pd.DataFrame(
        rows, columns=["metric_id", "period_kind", "month_index", "scope_kind", "scope_id", "ref"]
    )
    keys = ["metric_id", "period_kind", "month_index", "scope_kind", "scope_id"]
    merged = result.merge(ref, on=keys, how="outer", indicator=True)
    unmatched = int((merged["_merge"] != "both").sum())
    rel = (merged["actual"] - merged["ref"]).abs() / np.maximum(merged["actual"].abs(), merged["ref"].abs())
    worst = float(rel.fillna(0).max())
    if unmatched or worst > RTOL:
        raise CheckFailed(f"pandas differs from the reference: {unmatched} unmatched rows, worst {worst:.3g}")
    return len(merged), worst


# --- 5. incremental ------------------------------------------------------------------------

SNAPSHOT_COPY = """
DROP TABLE IF EXISTS bench_snapshots_incremental;
CREATE TABLE bench_snapshots_incremental AS SELECT * FROM metrics_rollupsnapshot
"""


def _differs(column: str) -> str:
    a, b = f"a.{column}", f"b.{column}"
    return f"NOT ({a} IS NOT DISTINCT FROM {b} OR abs({a} - {b}) <= {RTOL} * greatest(abs({a}), abs({b})))"


SNAPSHOT_FLOATS = ("actual", "target", "baseline", "own_score", "driven_score", "gap", "value_at_stake")
SNAPSHOT_COMPARE = f"""
SELECT count(*) FILTER (WHERE a.id IS NOT NULL AND b.id IS NOT NULL),
       count(*) FILTER (WHERE a.id IS NULL OR b.id IS NULL),
       count(*) FILTER (WHERE a.status IS DISTINCT FROM b.status
                        OR {" OR ".join(_differs(c) for c in SNAPSHOT_FLOATS)})
FROM bench_snapshots_incremental a
FULL JOIN metrics_rollupsnapshot b
  ON b.metric_id = a.metric_id AND b.period_kind = a.period_kind AND b.period_start = a.period_start
 AND b.scope_kind = a.scope_kind AND b.scope_id = a.scope_id
"""


def bench_user():
    from apps.core import roles
    from apps.organization.models import RoleGrant, User

    user = User.objects.filter(email="bench.leader@example.com").first()
    if user is None:
        user = User.objects.create_user("bench.leader@example.com", None, display_name="Bench CX leader")
        RoleGrant.objects.create(user=user, role=roles.CX_LEADER)
    return user


def one_day_rows(ent: generate.Enterprise, dept_index: int) -> list[dict]:
    """Every row of one department on the last day, with new values (an upsert of ~45 rows)."""
    rows = []
    for m in ent.metrics:
        for d, c in m.pairs:
            if d == dept_index:
                rows.append(
                    {
                        "metric": m.code,
                        "period_start": TODAY.isoformat(),
                        "department": ent.dept_codes[d],
                        "channel": ent.chan_codes[c],
                        "source": SOURCE,
                        "value": round(m.base * 1.12, 4),
                        "sample_size": 150.0 if m.aggregation == "mean" else 1.0,
                    }
                )
    return rows


# --- 6. API ingest -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_api_csv(ent: generate.Enterprise, path: Path, count: int, source: str = SOURCE) -> int:
    """``count`` new rows, the days after the generated range (inserts, like a daily feed)."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["metric", "period_start", "department", "channel", "source", "value", "sample_size"])
        written, day = 0, LAST_DAY
        while written < count:
            day += timedelta(days=1)
            text = day.isoformat()
            for m in ent.metrics:
                mean = m.aggregation == "mean"
                for d, c in m.pairs:
                    value = f"{m.base * (1 + 0.01 * (written % 7)):.4f}"
                    sample = str(50 + written % 300) if mean else ""
                    writer.writerow(
                        [m.code, text, ent.dept_codes[d], ent.chan_codes[c], source, value, sample]
                    )
                    written += 1
                    if written == count:
                        return written
    return written


def copy_file_seconds(path: Path) -> float:
    """PostgreSQL's own COPY of the same file into a table of the CSV's shape."""
    from django.db import connection, transaction

    data = path.read_bytes()
    sql("DROP TABLE IF EXISTS measurement_copy_test")
    sql(
        "CREATE TABLE measurement_copy_test (metric varchar(40), period_start date, department varchar(32),"
        " channel varchar(32), source varchar(64), value double precision, sample_size double precision)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy("COPY measurement_copy_test FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            copy.write(data)
        seconds = time.perf_counter() - started
    sql("DROP TABLE measurement_copy_test")
    return seconds


class Services:
    """gunicorn (2 workers) and a Celery worker against the same database and Redis."""

    def __init__(self, workdir: Path, broker_url: str):
        self.workdir = workdir
        self.port = free_port()
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "CELERY_BROKER_URL": broker_url,
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        self.env.pop("CELERY_EAGER", None)

    def start(self) -> None:
        bin_dir = Path(PY).parent
        self._spawn(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "config.wsgi:application",
                "--workers=2",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=300",
                "--access-logfile=-",
            ],
        )
        self._spawn(
            "celery",
            [
                str(bin_dir / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-l",
                "info",
            ],
        )
        deadline = time.monotonic() + 120
        # The worker's banner lists its tasks once the app is loaded (its "ready" line is
        # below the WARNING level the settings give celery's logger); a task sent before it
        # has connected waits in Redis, so the POST need not wait for more.
        while not self._http_ok() or "[tasks]" not in self.log("celery"):
            for p in self.procs:
                if p.poll() is not None:
                    raise CheckFailed(f"{p.args[0]} exited with {p.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise CheckFailed(f"gunicorn / celery not ready after 120 s: {self.log_tail()}")
            time.sleep(0.2)

    def _spawn(self, name: str, argv: list[str]) -> None:
        out = (self.workdir / f"{name}.log").open("w")
        # A session of its own: stopping it never touches the bench's process group.
        self.procs.append(
            subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self) -> str:
        return " | ".join(f"{n}: {self.log(n)[-800:]}" for n in ("gunicorn", "celery"))

    def _http_ok(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/health/")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.procs.clear()


def post_csv(port: int, key: str, body) -> tuple[float, int, bytes]:
    seconds, status, payload, _timing = post_csv_timed(port, key, body)
    return seconds, status, payload


def post_csv_timed(port: int, key: str, body) -> tuple[float, int, bytes, dict[str, float]]:
    """POST a CSV (bytes, or an open file sent as it is read); also the server's split of
    the time (its Server-Timing header, in seconds per phase)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Content-Type": "text/csv", "Authorization": f"Token {key}", "Host": "127.0.0.1"}
    if not isinstance(body, bytes):
        headers["Content-Length"] = str(os.fstat(body.fileno()).st_size)
    conn.request("POST", "/api/v1/measurements/bulk/", body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    seconds = time.perf_counter() - started
    timing = {}
    for part in (response.getheader("Server-Timing") or "").split(","):
        name, _, dur = part.strip().partition(";dur=")
        if name and dur:
            timing[name] = float(dur) / 1000
    conn.close()
    return seconds, response.status, payload, timing


def timing_note(total: float, timing: dict[str, float]) -> str:
    """The server's phases, and the rest (HTTP, Django, DRF, the response) as `http`."""
    phases = ", ".join(f"{name} {seconds:.2f}" for name, seconds in timing.items())
    return f"{phases}, http+framework {max(total - sum(timing.values()), 0):.2f}"


def worker_peak_rss_mb(services: Services) -> float:
    """The largest peak RSS (VmHWM) among gunicorn's workers, in MB."""
    master = services.procs[0].pid
    peak = 0
    for status_path in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status_path.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]))
    return peak / 1024


# --- the run -------------------------------------------------------------------------------


def verdict(ok: bool, applies: bool) -> str:
    """The ok column: the bars are stated for --size large; a small run only shows them."""
    if not applies:
        return "n/a"
    return "yes" if ok else "NO"


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}×"


@dataclass
class Bench:
    """What the stages share: the arguments, the table being filled, what failed, and what
    earlier stages produced for later ones."""

    args: argparse.Namespace
    broker_url: str
    workdir: Path
    table: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    ent: generate.Enterprise | None = None
    t_ref: float = 0.0
    t_full: float = 0.0
    rollup_peak: int = 0
    user: object = None

    @property
    def bars(self) -> bool:
        return self.args.size == "large"  # DESIGN §10 states the bars for the large set

    def bar(self, ok: bool, name: str) -> str:
        """The ok column of a bar, recording a miss when the bars apply."""
        if self.bars and not ok:
            self.missed.append(name)
        return verdict(ok, self.bars)


def stage_generate(b: Bench) -> None:
    """1. the enterprise."""
    apply_server_settings()
    log(f"server: {server_settings_text()}")
    log(f"generating --size {b.args.size} …")
    ent = b.ent = generate.generate(b.args.size, b.args.seed)
    b.table.append(
        Row(
            f"generate ({b.args.size}, COPY)",
            ent.seconds,
            notes=f"{len(ent.dept_ids)} depts, {len(ent.chan_ids)} channels, "
            f"{len(ent.metrics):,} metrics, "
            f"{ent.links:,} links, {ent.targets:,} targets, {ent.rows:,} rows {FIRST_DAY}..{LAST_DAY}",
        )
    )


def stage_reference(b: Bench) -> None:
    """2. the hand-written reference."""
    log("reference INSERT … SELECT … GROUPING SETS …")
    b.t_ref, ref_rows = run_reference()
    b.table.append(
        Row("reference: INSERT…SELECT…GROUPING SETS", b.t_ref, "1.00×", notes=f"{ref_rows:,} actuals")
    )


def peak_rss_reset() -> int:
    """Reset this process's peak resident set (Linux: /proc/self/clear_refs 5) and return
    the resident set now, in bytes; see :func:`peak_rss_growth`."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _proc_status_bytes("VmRSS")


def peak_rss_growth(baseline: int) -> int:
    """How far the peak resident set rose above ``baseline`` since :func:`peak_rss_reset`
    (the peak memory of what ran in between, this process only)."""
    return max(0, _proc_status_bytes("VmHWM") - baseline)


def _proc_status_bytes(field_name: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fmt_mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def stage_full_rollup(b: Bench) -> None:
    """3. the portal's full roll-up, its actuals checked against the reference; then the
    same roll-up again over unchanged inputs (it must write nothing)."""
    import gc

    from apps.metrics.rollup import rollup_full

    log("portal full roll-up …")
    gc.collect()
    rss = peak_rss_reset()
    b.t_full, stats = timed(rollup_full, today=TODAY)
    b.rollup_peak = peak_rss_growth(rss)
    for stage, seconds in stats.timings.items():
        b.table.append(
            Row(f"  portal full roll-up: {stage}", seconds, fmt_ratio(seconds / b.t_ref) if b.t_ref else "")
        )
    ok = b.t_full <= 1.5 * b.t_ref
    b.table.append(
        Row(
            "portal full roll-up (total)",
            b.t_full,
            fmt_ratio(b.t_full / b.t_ref),
            "≤ 1.5× ref",
            b.bar(ok, "full roll-up ≤ 1.5× reference"),
            f"{stats.written:,} snapshots written, {stats.unchanged:,} unchanged, {stats.deleted:,} deleted; "
            f"{stats.metrics:,} metrics, {stats.periods} periods; stage 1: {stage_one_path()}; "
            f"engine: {stats.engine}; peak memory +{fmt_mib(b.rollup_peak)}",
        )
    )
    b.table.append(
        Row(
            "  roll-up peak memory (Python process)",
            None,
            notes=f"+{fmt_mib(b.rollup_peak)} resident above the {fmt_mib(rss)} before the run "
            f"(VmHWM after /proc/self/clear_refs)",
        )
    )
    log("portal full roll-up again, nothing changed …")
    rss = peak_rss_reset()
    t_rerun, rerun = timed(rollup_full, today=TODAY)
    rerun_peak = peak_rss_growth(rss)
    nothing = rerun.written == 0 and rerun.deleted == 0
    if not nothing:
        b.failures.append(f"a re-run over unchanged inputs wrote {rerun.written} and deleted {rerun.deleted}")
    b.table.append(
        Row(
            "  re-run, nothing changed",
            t_rerun,
            fmt_ratio(t_rerun / b.t_ref),
            "writes 0",
            "yes" if nothing else "NO",
            f"{rerun.written:,} written, {rerun.unchanged:,} unchanged, {rerun.deleted:,} deleted; "
            + ", ".join(f"{k} {v:.2f}" for k, v in rerun.timings.items())
            + f"; peak memory +{fmt_mib(rerun_peak)}",
        )
    )
    log("comparing the portal's actuals with the reference …")
    try:
        matched, worst = compare_with_reference()
        b.table.append(
            Row(
                "  actuals equal the reference",
                None,
                ok="yes",
                notes=f"{matched:,} cells, worst rel {worst:.1e}",
            )
        )
    except CheckFailed as exc:
        b.failures.append(str(exc))
        b.table.append(Row("  actuals equal the reference", None, ok="NO", notes=str(exc)[:120]))


def stage_pandas(b: Bench) -> None:
    """4. pandas from a CSV export, checked against the reference."""
    log("pandas …")
    path = b.workdir / "measurements.csv"
    t_export, _ = timed(export_csv, path)
    t_pandas, result = timed(pandas_actuals, path)
    try:
        n, worst = compare_pandas(result)
        note = f"read_csv + 9 group-bys; equal to the reference ({n:,}); export {t_export:.1f} s"
        ok = "yes"
    except CheckFailed as exc:
        b.failures.append(str(exc))
        note, ok = str(exc)[:120], "NO"
    b.table.append(
        Row("pandas from a CSV export", t_pandas, fmt_ratio(t_pandas / b.t_ref), ok=ok, notes=note)
    )
    del result
    path.unlink()


def stage_incremental(b: Bench) -> None:
    """5. one day of one department ingested, rolled up incrementally, then checked
    against a full recompute."""
    from apps.metrics.ingest import measurements_ingest
    from apps.metrics.models import DirtyPeriod
    from apps.metrics.rollup import rollup_dirty, rollup_full

    log("incremental: one day for one department …")
    b.user = bench_user()
    dept_index = 1
    rows = one_day_rows(b.ent, dept_index)
    t_ingest, ingested = timed(measurements_ingest, rows=rows, by=b.user, csv_mode=False)
    if not ingested.ok:
        raise CheckFailed(f"ingest of one day refused: {ingested.errors[:3]}")
    dirty = DirtyPeriod.objects.count()
    t_inc, inc = timed(rollup_dirty, today=TODAY)
    speedup = b.t_full / t_inc if t_inc else float("inf")
    b.table.append(
        Row(
            "incremental roll-up (1 day × 1 dept)",
            t_inc,
            f"{speedup:.0f}× faster",
            "≥ 20×",
            b.bar(speedup >= 20, "incremental ≥ 20× faster than full"),
            f"{len(rows)} rows of {b.ent.dept_codes[dept_index]} on {TODAY} "
            f"({t_ingest:.2f} s ingest), {dirty} dirty pairs → {inc.metrics} metrics, "
            f"{inc.written:,} snapshots written, {inc.unchanged:,} unchanged; "
            + ", ".join(f"{k} {v:.2f}" for k, v in inc.timings.items())
            + f"; {speedup / 100:.2f} of the 100× goal",
        )
    )
    for statement in SNAPSHOT_COPY.split(";"):
        sql(statement)
    log("full roll-up again (re-run over existing snapshots) …")
    t_full2, stats2 = timed(rollup_full, today=TODAY)
    both, one_side, different = sql(SNAPSHOT_COMPARE)[0]
    same = not one_side and not different
    if not same:
        b.failures.append(
            f"incremental ≠ full recompute: {one_side} missing on one side, {different} different"
        )
    b.table.append(
        Row(
            "  full recompute equals incremental",
            t_full2,
            ok="yes" if same else "NO",
            notes=f"{both:,} snapshots compared (seconds: the full re-run over the incremental run's "
            f"rows, which wrote {stats2.written:,} and deleted {stats2.deleted:,}; the incremental run "
            f"is {t_full2 / t_inc:.0f}× faster than it)",
        )
    )
    sql("DROP TABLE bench_snapshots_incremental")


def stage_api_ingest(b: Bench) -> None:
    """6. a CSV POSTed to gunicorn while a Celery worker runs, against PostgreSQL's COPY."""
    from apps.metrics.models import DirtyPeriod, RollupSnapshot
    from apps.organization.services import token_create

    log(f"API ingest of {b.args.api_rows:,} rows …")
    csv_path = b.workdir / "api.csv"
    api_rows = write_api_csv(b.ent, csv_path, b.args.api_rows)
    t_copy = copy_file_seconds(csv_path)
    _token, key = token_create(user=b.user or bench_user(), name="bench")
    DirtyPeriod.objects.all().delete()
    services = Services(b.workdir, b.broker_url)
    try:
        services.start()
        # Warm both gunicorn workers (URL resolver, DRF, lazy imports) with a batch the
        # view refuses whole: same path, nothing written, no roll-up queued.
        bad = b"metric,period_start,source,value\nNO-SUCH,2026-01-01,x,1\n"
        for _ in range(4):
            _t, warm_status, _p = post_csv(services.port, key, bad)
            if warm_status != 400:
                raise CheckFailed(f"warm-up batch answered {warm_status}, expected 400: {_p[:200]!r}")
        body = csv_path.read_bytes()
        t_api, status, payload, timing = post_csv_timed(services.port, key, body)
        dirty_after = DirtyPeriod.objects.count()
        # Queued, not run in the request: the dirty pairs are there when the response
        # arrives, and the worker claims them.
        claimed = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (
                DirtyPeriod.objects.filter(claim_token__isnull=False).exists()
                or not DirtyPeriod.objects.exists()
            ):
                claimed = True
                break
            time.sleep(0.1)
        # Memory: the largest batch (1,000,000 rows, ≈ 35 MB), streamed from the file; the
        # worker's peak RSS (VmHWM) must stay flat.
        big = None
        if b.args.big_rows:
            big_path = b.workdir / "api-big.csv"
            big_rows = write_api_csv(b.ent, big_path, b.args.big_rows, source=f"{SOURCE}-big")
            rss_before = worker_peak_rss_mb(services)
            with big_path.open("rb") as big_file:
                t_big, big_status, big_payload, big_timing = post_csv_timed(services.port, key, big_file)
            big = (big_rows, big_path.stat().st_size, t_big, big_status, big_payload, big_timing)
            big_rss = worker_peak_rss_mb(services)
            big_path.unlink()
    finally:
        services.stop()
    if status != 200:
        raise CheckFailed(f"API ingest answered {status}: {payload[:300]!r}")
    rate = api_rows / t_api
    b.table.append(
        Row(f"COPY of the same CSV ({api_rows:,} rows)", t_copy, notes=f"{api_rows / t_copy:,.0f} rows/s")
    )
    b.table.append(
        Row(
            f"API ingest: POST {len(body) / 1e6:.1f} MB CSV to gunicorn",
            t_api,
            f"{t_api / t_copy:.1f}× COPY",
            "≥ 50,000 rows/s",
            b.bar(rate >= 50_000, "API ingest ≥ 50,000 rows/s"),
            f"{rate:,.0f} rows/s; {dirty_after} dirty pairs queued"
            + (", claimed by the Celery worker" if claimed else ", NOT claimed by the worker within 60 s"),
        )
    )
    b.table.append(Row("  API ingest: server split (s)", None, notes=timing_note(t_api, timing)))
    if big is not None:
        big_rows, big_bytes, t_big, big_status, big_payload, big_timing = big
        if big_status != 200:
            raise CheckFailed(f"API ingest of {big_rows:,} rows answered {big_status}: {big_payload[:300]!r}")
        rss_ok = big_rss < 300
        if not rss_ok:
            b.failures.append(f"gunicorn worker peak RSS {big_rss:.0f} MB ≥ 300 MB on the big batch")
        b.table.append(
            Row(
                f"API ingest: POST {big_bytes / 1e6:.1f} MB CSV ({big_rows:,} rows)",
                t_big,
                f"{big_rows / t_big:,.0f} rows/s",
                "peak RSS < 300 MB",
                "yes" if rss_ok else "NO",
                f"worker peak RSS {big_rss:.0f} MB (before the batch {rss_before:.0f} MB); "
                + timing_note(t_big, big_timing),
            )
        )
    if not claimed:
        b.failures.append("the Celery worker did not pick up the queued roll-up")
    log(f"snapshots at the end: {RollupSnapshot.objects.count():,}")


STAGES = [
    stage_generate,
    stage_reference,
    stage_full_rollup,
    stage_pandas,
    stage_incremental,
    stage_api_ingest,
]


def setup(argv: list[str] | None) -> tuple[argparse.Namespace, str]:
    """Arguments and environment; Django set up for this process. Returns (args, broker URL)."""
    parser = argparse.ArgumentParser(description="DESIGN §10 roll-up and ingest bars")
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="small")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--api-rows", type=int, default=100_000)
    parser.add_argument(
        "--big-rows", type=int, default=1_000_000, help="the batch whose worker RSS is measured (0: none)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a bar is missed")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated stages to leave out (pandas, incremental, api_ingest) while iterating",
    )
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit(
            "bench/run.py needs DATABASE_URL=postgres://… (run it through scripts/with-services.sh)"
        )
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if not broker_url.startswith("redis"):
        raise SystemExit(
            "bench/run.py needs CELERY_BROKER_URL=redis://… (run it through scripts/with-services.sh)"
        )
    # In this process tasks are sent to an in-memory broker nobody reads: the ingest of
    # stage 5 must not start a roll-up here (it is timed by hand) nor leave one queued in
    # Redis for the worker of stage 6.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_EAGER"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    generate.setup_django()
    return args, broker_url


def main(argv: list[str] | None = None) -> int:
    args, broker_url = setup(argv)
    b = Bench(args=args, broker_url=broker_url, workdir=Path(tempfile.mkdtemp(prefix="cx-bench-")))
    try:
        skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
        for stage in STAGES:
            if stage.__name__.removeprefix("stage_") not in skipped:
                stage(b)
    except CheckFailed as exc:
        b.failures.append(str(exc))
    finally:
        print_table(b.table, args.size)
        for name in ("gunicorn", "celery"):
            log_path = b.workdir / f"{name}.log"
            if b.failures and log_path.exists():
                log(f"--- {name} log (tail) ---\n{log_path.read_text(errors='replace')[-2000:]}")
        for child in b.workdir.iterdir():
            child.unlink()
        b.workdir.rmdir()
    for failure in b.failures:
        log(f"FAILED: {failure}")
    for bar in b.missed:
        log(f"bar missed: {bar}")
    if b.failures:
        return 1
    return 1 if (b.missed and args.strict) else 0


def print_table(table: list[Row], size: str) -> None:
    out = io.StringIO()
    header = ["stage", "seconds", "ratio", "bar", "ok", "notes"]
    cells = [header] + [
        [r.stage, "" if r.seconds is None else f"{r.seconds:.2f}", r.ratio, r.bar, r.ok, r.notes]
        for r in table
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    for n, row in enumerate(cells):
        line = " | ".join(cell.ljust(widths[i]) if i < len(widths) else cell for i, cell in enumerate(row))
        out.write(f"| {line} |\n")
        if n == 0:
            out.write("|" + "|".join("-" * (w + 2) for w in [*widths, len(header[-1])]) + "|\n")
    print(f"\nmake bench SIZE={size} — {os.cpu_count()} cores, {server_settings_text_safe()}\n")
    print(out.getvalue(), flush=True)


def server_settings_text_safe() -> str:
    try:
        return server_settings_text()
    except Exception as exc:  # the table must print even when the database went away
        return f"(settings unavailable: {exc})"


if __name__ == "__main__":
    sys.exit(main())
