"""Benchmark: the public hall's pages under concurrent clients beside /login/ of the same server.

    .venv/bin/python bench/hall.py [--cases 10000] [--clients 50] [--workers 2] [--seconds 8]

On gunicorn over PostgreSQL (PORTAL_TEST_POSTGRES_URL: a private schema, dropped afterwards),
wrk makes ``--clients`` concurrent visitors (127.0.0.1 only, ``--seconds`` per target) of:

  login        GET /login/: the server's own page for a visitor, the baseline
  landing      GET /: the center and every place to go
  item         GET /hall/mz/mz-dibao: an item's seven disclosures as a sub-center offers it
  apply form   GET /hall/mz/mz-dibao/apply: the item's generated form, filed online
  progress     POST /hall/progress with a case's number and its applicant's secret
  wrong pair   POST /hall/progress with a wrong secret: it must cost what a right one costs

and prints requests/s, p50/p95/p99, errors and each p50 and p95 over /login/'s. The rate limits
are lifted for the run (PORTAL_RATELIMIT_*: every client here is 127.0.0.1); what they cost is
still paid on every request.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.case_list import build  # noqa: E402
from bench.load import REPORT, Server, _env, _line, on_postgresql, release, wrk  # noqa: E402

POST = """
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""


def _a_case(app) -> tuple[str, str]:
    from sqlalchemy import select

    from portal.models import Case, CaseState, db

    with app.app_context():
        row = db.session.execute(select(Case.number, Case.applicant_id_number).where(
            Case.state == CaseState.ACCEPTED, Case.applicant_id_number != "").limit(1)).one()
        db.session.remove()
    return row[0], row[1][-6:]


def run(url: str, cases: int, clients: int, workers: int, seconds: float) -> None:
    import re
    from urllib.parse import urlencode

    import requests

    app = build(url, cases)
    number, secret = _a_case(app)
    env = _env(app, url, f"hall-{uuid.uuid4().hex[:8]}", PORTAL_RATELIMIT_HALL="1000000 per minute",
               PORTAL_RATELIMIT_QUERY="1000000 per minute")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.lua"
        report.write_text(REPORT)
        server = Server(env, workers, Path(tmp) / "gunicorn.log")
        try:
            visitor = requests.Session()
            page = visitor.get(server.base + "/hall/progress").text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            cookie = f"session={visitor.cookies['session']}"
            scripts = {}
            for label, pair in (("progress", secret), ("wrong pair", "000000")):
                body = urlencode({"csrf_token": token, "number": number, "secret": pair})
                script = Path(tmp) / f"{label.replace(' ', '-')}.lua"
                script.write_text(POST.format(body=body) + REPORT)
                scripts[label] = script
            targets = [("login", "/login/", report), ("landing", "/", report),
                       ("item", "/hall/mz/mz-dibao", report),
                       ("apply form", "/hall/mz/mz-dibao/apply", report),
                       ("progress", "/hall/progress", scripts["progress"]),
                       ("wrong pair", "/hall/progress", scripts["wrong pair"])]
            for _, path, script in targets:  # every worker warmed on every page, unreported
                wrk(server.base + path, 2 * workers, 1, cookie, script)
            print(f"  gunicorn {workers} workers × 4 threads, {clients} clients, {seconds:g} s each:")
            floor = None
            for label, path, script in targets:
                figures = wrk(server.base + path, clients, seconds, cookie, script)
                floor = floor or figures
                line = _line(label, figures, None)
                if figures is not floor:
                    line += (f"   × login p50 {figures['p50'] / floor['p50']:5.2f}"
                             f"  p95 {figures['p95'] / floor['p95']:5.2f}")
                print(line)
        finally:
            server.stop()
    release(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    on_postgresql("the hall bench", args.cases,
                  lambda url: run(url, args.cases, args.clients, args.workers, args.seconds))

if __name__ == "__main__":
    main()
