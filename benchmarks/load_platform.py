"""Load on the platform: authenticated case reads and pre-review requests at 50 users.

A private PostgreSQL server (as the tests start one) backs `uvicorn` on 127.0.0.1; Locust users
log in as seeded patients and then, without pause beyond a short think time, read their request
(JSON), open its pre-review page, and now and then ask for a new pre-review (a request created
from pasted text: intake and review engine on the server). Targets for reads: at least 200
requests/s, p95 under 100 ms, no errors. Traffic goes only to 127.0.0.1 and the run stops by
itself (default 60 s of measurement after the users have logged in).

Besides rates and latencies it reports the CPU time per request (server processes, PostgreSQL,
load generator; from /proc), which does not depend on how busy the machine is: on a shared
machine the rates do. Prints a table and appends it to docs/benchmarks.md with the date and machine.
Usage: python3 benchmarks/load_platform.py [--users 50] [--duration 60] [--workers 2] [--no-record]
Needs the `load` extra (Locust) and PostgreSQL's server binaries (Debian: postgresql).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import gevent
from locust import FastHttpUser, between, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.databases starts the private PostgreSQL server
from tests.servers import free_port, stop, wait_until_serving  # noqa: E402

COOKIE = "__Host-so_session"
PASSWORD = "load test password 1"
PATIENTS = 10
CASE = {
    "patient": {"age": 62, "sex": "female"},
    "cancers": [
        {"type": "nsclc", "stage_group": "IV", "histology": "adenocarcinoma", "metastatic_sites": ["bone"]}
    ],
    "biomarkers": [{"name": "EGFR", "status": "positive", "detail": "exon 19 deletion"}],
    "plan": [{"modality": "chemotherapy", "drugs": ["carboplatin", "pemetrexed"]}],
    "questions": ["Should I start a targeted pill instead?"],
}
TEXT = (
    "I am 58 and had a right hemicolectomy for stage III colon adenocarcinoma (pT3 N1a). The tumour is MSS. "
    "My oncologist proposes 3 months of CAPOX. Is 3 months enough?"
)
READS = ("GET /api/requests/{id}", "GET /requests/{id}/pre-review")
PRE_REVIEW = "POST /api/requests (new pre-review)"
ACCOUNTS: list[tuple[str, str]] = []  # (e-mail, request id), filled before the users start
_next_account = itertools.count()


class Patient(FastHttpUser):
    """A logged-in patient coming back to their request: mostly reads, sometimes a new pre-review."""

    wait_time = between(0.05, 0.15)

    def on_start(self) -> None:
        email, self.request_id = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        r = self.client.get("/api/session", name="GET /api/session (login)")
        token, csrf = _cookie(r.headers.get("set-cookie", "")), r.json()["csrf_token"]
        r = self.client.post(
            "/api/auth/login",
            json={"email": email, "password": PASSWORD},
            headers={"Cookie": f"{COOKIE}={token}", "X-CSRF-Token": csrf},
            name="POST /api/auth/login",
        )
        self.headers = {
            "Cookie": f"{COOKIE}={_cookie(r.headers.get('set-cookie', ''))}",
            "X-CSRF-Token": r.json()["csrf_token"],
        }

    @task(16)
    def read_case(self) -> None:
        self.client.get(f"/api/requests/{self.request_id}", headers=self.headers, name=READS[0])

    @task(4)
    def read_pre_review(self) -> None:
        self.client.get(
            f"/requests/{self.request_id}/pre-review",
            headers={**self.headers, "Accept": "text/html"},
            name=READS[1],
        )

    @task(int(os.environ.get("SO_LOAD_CREATE_WEIGHT", "1")))
    def new_pre_review(self) -> None:
        self.client.post(
            "/api/requests", json={"title": "Load test", "text": TEXT}, headers=self.headers, name=PRE_REVIEW
        )


def _cookie(header: str) -> str:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    raise RuntimeError("the server set no session cookie")


def seed(env: dict[str, str]) -> list[tuple[str, str]]:
    """Patients with one submitted request each (from the structured form: no text intake needed)."""
    from secondopinion.platform import Actor, Platform, PlatformSettings, accounts
    from secondopinion.platform import requests as rq

    ctx = Platform.open(PlatformSettings.from_env(environ=env))
    try:
        out = []
        for i in range(PATIENTS):
            user = accounts.bootstrap_user(ctx, f"load{i}@example.org", "patient", f"Load {i}", PASSWORD)
            actor = Actor(user.id, "patient")
            detail = rq.create_request(ctx, actor, title=f"Load {i}", case=CASE)
            rq.give_consent(ctx, actor, detail.id)
            rq.submit(ctx, actor, detail.id)
            out.append((user.email, detail.id))
        return out
    finally:
        ctx.close()


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "secondopinion.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/api/health", seconds=90)
    except RuntimeError as exc:
        proc.kill()
        raise SystemExit(str(exc)) from None
    return proc


def warm_up(port: int, workers: int) -> None:
    """Pre-reviews before measuring, several at once so that every worker gets some: the first
    one in a worker loads the clinical NLP models (seconds), which must not fall in the measurement."""
    Patient.host = f"http://127.0.0.1:{port}"
    env = Environment(user_classes=[Patient], host=Patient.host)

    def one() -> None:
        user = Patient(env)
        user.on_start()
        for _ in range(3):
            user.new_pre_review()
            user.read_pre_review()
            user.read_case()

    gevent.joinall([gevent.spawn(one) for _ in range(4 * workers)], raise_error=True)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def run(users: int, duration: int, workers: int) -> tuple[list[list[str]], dict[str, float], str]:
    from secondopinion.web.logging import configure_logging
    from tests.databases import start_postgres

    configure_logging(logging.WARNING)
    pg = start_postgres()
    if pg is None:
        raise SystemExit("PostgreSQL is not installed here (Debian: apt-get install postgresql)")
    home = Path(tempfile.mkdtemp(prefix="so-load-"))
    server = None
    try:
        env = {
            **os.environ,
            "SECONDOPINION_DATABASE_URL": pg.new_database(),
            "SECONDOPINION_HOME": str(home),
            "SECONDOPINION_DATA_KEY": secrets.token_hex(32),
        }
        ACCOUNTS[:] = seed(env)
        port = free_port()
        server = start_server(env, port, workers)
        warm_up(port, workers)
        environment = Environment(user_classes=[Patient], host=f"http://127.0.0.1:{port}")
        runner = environment.create_local_runner()
        runner.start(users, spawn_rate=25)
        deadline = time.monotonic() + 60
        while runner.user_count < users and time.monotonic() < deadline:
            gevent.sleep(0.2)
        gevent.sleep(2)  # every user has logged in
        postmaster = int((pg.root / "data" / "postmaster.pid").read_text().split()[0])
        server_pids, db_pids = [server.pid, *_children(server.pid)], _children(postmaster)
        environment.stats.reset_all()
        cpu_before = (cpu_seconds(server_pids), cpu_seconds(db_pids), time.process_time())
        started = time.monotonic()
        gevent.sleep(duration)
        elapsed = time.monotonic() - started
        db_pids = sorted(set(db_pids) | set(_children(postmaster)))  # connections opened meanwhile
        cpu_after = (cpu_seconds(server_pids), cpu_seconds(db_pids), time.process_time())
        snapshot = {
            name: environment.stats.get(name, method)
            for name, method in ((READS[0], "GET"), (READS[1], "GET"), (PRE_REVIEW, "POST"))
        }
        total = environment.stats.total
        rows, summary = [], {}
        for name, entry in snapshot.items():
            rows.append(
                [
                    name,
                    f"{entry.num_requests:,}",
                    f"{entry.num_requests / elapsed:.0f}",
                    f"{entry.get_response_time_percentile(0.5):.0f}",
                    f"{entry.get_response_time_percentile(0.95):.0f}",
                    f"{entry.get_response_time_percentile(0.99):.0f}",
                    f"{entry.num_failures}",
                ]
            )
        reads = [snapshot[n] for n in READS]
        read_count = sum(e.num_requests for e in reads)
        summary["reads_per_s"] = read_count / elapsed
        summary["reads_p95_ms"] = max(e.get_response_time_percentile(0.95) for e in reads)
        summary["errors"] = float(total.num_failures)
        summary["elapsed"] = elapsed
        served = max(1, total.num_requests)
        summary["server_cpu_ms"], summary["db_cpu_ms"], summary["client_cpu_ms"] = (
            (after - before) * 1000 / served for before, after in zip(cpu_before, cpu_after, strict=True)
        )
        rows.append(
            [
                "all",
                f"{total.num_requests:,}",
                f"{total.num_requests / elapsed:.0f}",
                f"{total.get_response_time_percentile(0.5):.0f}",
                f"{total.get_response_time_percentile(0.95):.0f}",
                f"{total.get_response_time_percentile(0.99):.0f}",
                f"{total.num_failures}",
            ]
        )
        runner.quit()
        errors = "; ".join(f"{e.method} {e.name}: {e.error}" for e in environment.stats.errors.values())[:500]
        return rows, summary, errors
    finally:
        if server is not None:
            stop(server, seconds=20)
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of measurement (at most 90)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--no-record", action="store_true", help="print only; do not append to docs/benchmarks.md"
    )
    args = parser.parse_args()
    duration = max(5, min(args.duration, 90))
    load_before = os.getloadavg()[0]
    rows, summary, errors = run(args.users, duration, args.workers)
    header = ["endpoint", "requests", "req/s", "median ms", "p95 ms", "p99 ms", "failures"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    verdict = (
        f"Reads: {summary['reads_per_s']:.0f} requests/s (target at least 200), "
        f"p95 {summary['reads_p95_ms']:.0f} ms (target under 100), "
        f"errors {summary['errors']:.0f} (target 0); {args.users} users, "
        f"{summary['elapsed']:.0f} s measured, {args.workers} uvicorn workers on PostgreSQL; "
        f"load average before the run {load_before:.1f} (other work on the machine competes for its cores). "
        f"CPU per request of the mix: server {summary['server_cpu_ms']:.1f} ms, "
        f"PostgreSQL {summary['db_cpu_ms']:.1f} ms, load generator {summary['client_cpu_ms']:.1f} ms."
    )
    table = "\n".join(lines) + "\n\n" + verdict + (f"\n\nErrors: {errors}" if errors else "")
    print(table)
    if not args.no_record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## load_platform — {stamp} — {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
