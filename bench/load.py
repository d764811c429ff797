"""Benchmark: the clerk's pages and the REST case list under concurrent clients, on gunicorn
over PostgreSQL, beside /healthz of the same server — quiet, and while a batch prints.

    .venv/bin/python bench/load.py [--cases 10000] [--clients 10,50] [--workers 2,4]
                                   [--seconds 8] [--batch 1000]

Needs PORTAL_TEST_POSTGRES_URL (a private schema is made and dropped afterwards), Redis for the
job queue (PORTAL_TEST_REDIS_URL, default redis://127.0.0.1:6379/15, under a queue name of its
own) and wrk (Debian's). Everything listens on 127.0.0.1 and runs for a bounded time.

Publishes the demo site, seeds ``--cases`` cases, then for each gunicorn size (``--workers``,
4 threads each, as portal/gunicorn_conf.py) and each number of concurrent clients
(``--clients``: wrk connections, all signed in as the same clerk) loads each target for
``--seconds``:

  healthz      GET /healthz: the server's floor (no database, no session): the baseline
  login        GET /login/ anonymous: a whole page of the portal's frame, the clerk's pages'
               baseline (the goal: case list, worklist and case page p50 ≤ 2× /login/'s)
  case list    GET /cases/list/ as a clerk (one window, through the scope rule)
  worklist     GET /worklist/
  case page    GET /cases/show/<id>, one of the clerk's open cases
  REST list    GET /api/v1/cases/ (25 rows)

and prints requests/s, p50/p95/p99 in ms and errors (non-2xx answers, socket errors), each
p50 over /healthz's, and the clerk's pages' p50 over /login/'s. Then, on the first size with
the most clients, a `portal worker` (nice 10, as a worker sharing a host with the web server
should run) prints a ``--batch``-document batch
while the counter's case page is loaded again, and once more right after with the worker
stopped (SIGSTOP): the busy p95 over that quiet p95 — the goal: within 1.5× — and how far the
batch got meanwhile.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.case_list import PASSWORD, build  # noqa: E402
from bench.postgres import private_schema  # noqa: E402

BIN = Path(sys.executable).parent
REDIS = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# the clerk's pages, each also over /login/ (anonymous) of the same server: the goal ≤ 2×
CLERKS_PAGES = ("case list", "worklist", "case page")
# each request on a connection of its own, as nginx asks its upstream by default: kept-alive
# connections stay with the worker that accepted them, and one worker taking 8 of the 10 halves
# the rate at random (login 167 or 372 req/s, worklist 54 or 97 in runs of the same code)
CLOSE = ("-H", "Connection: close") if os.environ.get("BENCH_KEEPALIVE") != "1" else ()
# wrk's report as one JSON line: its latency percentiles, rate and errors
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, '
    .. '"errors": %d}\\n', summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(app, url: str, queue: str, **extra: str) -> dict[str, str]:
    return dict(os.environ, PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
                PORTAL_AUDIT_KEY=app.config["PORTAL_AUDIT_KEY"], PORTAL_QUEUE_URL=REDIS,
                PORTAL_QUEUE_NAME=queue, PORTAL_PUBLIC_URL="http://127.0.0.1", **extra)


class Server:
    """gunicorn with the portal, as production runs it (portal/gunicorn_conf.py)."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(env, PORTAL_BIND=f"127.0.0.1:{self.port}", PORTAL_WORKERS=str(workers))
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn_conf", "portal:create_app()"],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        self.log = log
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not get ready:\n{log.read_text()[-3000:]}")

    def session_cookie(self, username: str) -> str:
        import requests

        browser = requests.Session()
        page = browser.get(self.base + "/login/").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = browser.post(self.base + "/login/", allow_redirects=False, data={
            "csrf_token": token, "username": username, "password": PASSWORD})
        assert answer.status_code == 302, f"{username} could not sign in"
        return f"session={browser.cookies['session']}"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wrk(url: str, clients: int, seconds: float, cookie: str | None, script: Path) -> dict[str, float]:
    """``cookie`` None: anonymous (a signed-in user asking for /login/ is sent on, 302)."""
    threads = max(1, min(2, clients))
    signed_in = ["-H", f"Cookie: {cookie}"] if cookie else []
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
                           "--timeout", "10s", "-s", str(script), *signed_in, *CLOSE, url],
                          capture_output=True, text=True, check=True)
    line = [row for row in done.stdout.splitlines() if row.startswith("{")][-1]
    figures = json.loads(line)
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


def _targets(app) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from portal.models import Case, CaseState, PortalUser, db

    with app.app_context():
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        case_id = db.session.scalar(select(Case.id).where(Case.window_id == clerk.windows[0].id,
                                                         Case.state == CaseState.ACCEPTED).limit(1))
    return [("healthz", "/healthz"), ("login", "/login/"), ("case list", "/cases/list/"),
            ("worklist", "/worklist/"),
            ("case page", f"/cases/show/{case_id}"), ("REST list", "/api/v1/cases/")]


def _batch(app, size: int) -> int:
    """A print job of ``size`` certificates (completed, approved cases), asked by the center
    admin, queued on no queue yet: the worker started later takes it."""
    from sqlalchemy import select

    from portal.core import servertime
    from portal.models import Case, CaseState, PrintJob, db

    with app.app_context():
        ids = list(db.session.scalars(select(Case.id).where(
            Case.state == CaseState.COMPLETED, Case.outcome == "approved").order_by(Case.id).limit(size)))
        job = PrintJob(kind="certificate", label="bench", case_ids=ids, total=len(ids),
                       requested_by="admin", created_at=servertime.now(),
                       params={"public_url": "http://127.0.0.1"})
        db.session.add(job)
        db.session.commit()
        return job.id


def _progress(app, job_id: int) -> tuple[str, int, int]:
    from portal.models import PrintJob, db

    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        db.session.refresh(job)
        figures = (job.state, job.done, job.total)
        db.session.remove()
        return figures


def _line(label: str, f: dict[str, float], floor: dict[str, float] | None = None,
          login: dict[str, float] | None = None) -> str:
    over = f"   p50 × healthz {f['p50'] / floor['p50']:5.2f}" if floor else ""
    over += f"   p50 × /login/ {f['p50'] / login['p50']:5.2f}" if login else ""
    return (f"    {label:<10} {f['rate']:8.1f} req/s   p50 {f['p50']:7.1f}   p95 {f['p95']:7.1f}   "
            f"p99 {f['p99']:7.1f} ms   errors {int(f['errors'])}{over}")


def run(url: str, cases: int, clients: list[int], workers: list[int], seconds: float, batch: int) -> None:
    from portal.web import jobs

    app = build(url, cases)
    targets = _targets(app)
    case_page = dict(targets)["case page"]
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(REPORT)
        quiet: dict[str, float] = {}
        for size in workers:
            server = Server(_env(app, url, queue), size, Path(tmp) / f"gunicorn-{size}.log")
            try:
                cookie = server.session_cookie("ws-clerk")
                for label, path in targets:  # every worker process warmed on every page, unreported
                    wrk(server.base + path, 2 * size, 1, None if label == "login" else cookie, script)
                for n in clients:
                    print(f"  gunicorn {size} workers × 4 threads, {n} clients, {seconds:g} s each:")
                    floor = login = None
                    for label, path in targets:
                        figures = wrk(server.base + path, n, seconds,
                                      None if label == "login" else cookie, script)
                        floor = floor or figures
                        print(_line(label, figures, None if figures is floor else floor,
                                    login if label in CLERKS_PAGES else None))
                        login = figures if label == "login" else login
                if size == workers[0]:
                    n = max(clients)
                    app.config.update(PORTAL_QUEUE_URL=REDIS, PORTAL_QUEUE_NAME=queue)
                    job_id = _batch(app, batch)
                    with app.app_context():
                        jobs.queue(app).enqueue("print", job_id)
                    log = (Path(tmp) / "worker.log").open("wb")
                    worker = subprocess.Popen(["nice", "-n", "10", str(BIN / "portal"), "worker",
                                               "--threads", "1"], env=_env(app, url, queue),
                                              stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
                    try:
                        deadline = time.monotonic() + 60
                        while _progress(app, job_id)[1] < 1 and time.monotonic() < deadline:
                            time.sleep(0.2)  # the worker has started rendering
                        before = _progress(app, job_id)[1]
                        busy = wrk(server.base + case_page, n, seconds, cookie, script)
                        state, done, total = _progress(app, job_id)
                        worker.send_signal(signal.SIGSTOP)  # the batch paused: the quiet figure
                        quiet = wrk(server.base + case_page, n, seconds, cookie, script)  # beside
                        worker.send_signal(signal.SIGCONT)
                    finally:
                        worker.send_signal(signal.SIGTERM)
                        worker.wait(30)
                        log.close()
                    print(f"  the case page while a {total}-document batch prints (documents {before} → "
                          f"{done}, {state} when the load ended), then with the worker paused; {n} "
                          f"clients, {size} gunicorn workers:")
                    print(_line("busy", busy, None))
                    print(_line("quiet", quiet, None))
                    print(f"    ratio case page p95 busy / quiet = {busy['p95'] / quiet['p95']:.2f}"
                          f"   (goal ≤ 1.5; quiet p95 {quiet['p95']:.1f} ms)")
            finally:
                server.stop()
    release(app)


def release(app) -> None:
    """Let the bench app's connections go (its private schema is dropped next)."""
    with app.app_context():
        from portal.models import db

        db.session.remove()
        db.engine.dispose()


def on_postgresql(what: str, cases: int, run) -> None:
    """``run(url)`` on a private PostgreSQL schema; said so when PORTAL_TEST_POSTGRES_URL is unset."""
    logging.disable(logging.WARNING)
    os.environ.setdefault("PORTAL_CACHE_DIR", "")
    pg = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not pg:
        print(f"PostgreSQL: skipped (PORTAL_TEST_POSTGRES_URL is not set): {what} runs on PostgreSQL only")
        return
    with private_schema(pg) as url:
        print(f"PostgreSQL: {cases:,} cases")
        run(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    on_postgresql("the load bench", args.cases, lambda url: run(
        url, args.cases, [int(c) for c in args.clients.split(",")],
        [int(w) for w in args.workers.split(",")], args.seconds, args.batch))

if __name__ == "__main__":
    main()
