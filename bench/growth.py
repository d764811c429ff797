"""Benchmark: what a page costs as the case table grows, at the same month's volume.

    .venv/bin/python bench/growth.py [--cases 10000] [--sizes 100000,1000000] [--requests 30]
                                     [--databases sqlite,postgresql]

For SQLite and (when PORTAL_TEST_POSTGRES_URL is set) PostgreSQL: publish the demo site, seed
``--cases`` demo cases (accepted over the last nine weeks, a real mix of open and finished), and
time each page below. Then grow the table to each of ``--sizes`` with *history*: copies of those
cases, finished, moved back whole nine-week periods into earlier years (as a center's older
cases are), so this month's cases and today's open cases stay exactly the same while the table
grows — and time the same pages again, in the same run:

  login         GET /login/ (anonymous): the server's floor, the baseline of every ratio
  case list     GET /cases/list/ as a clerk (one window, through the scope rule)
  worklist      GET /worklist/ as the same clerk
  case page     GET /cases/show/<id> as the same clerk, one of their open cases
  monthly       GET /reports/monthly?month=<this month> as the center's auditor
  assessment    GET /assessment/?month=<this month> as the center's auditor

Printed per size: each page's median (p50) in ms (the pages sampled in turn, round by round,
so a slower moment of the machine slows them all alike), its ratio to /login/ measured beside
it, its ratio to its own p50 at the first size, and that ratio with each size's /login/ taken
out (the page over /login/ at this size, over the same at the first size): after growing the
table this process served everything slower — /login/, which reads no case, 1.5–1.7× at 100,000
cases in the same run, with the heap collected and frozen — and the last line shows what is
left once that is taken out. The goals: list, worklist and case page at
the largest size ≤ 1.3× the first size and ≤ 2× /login/; monthly report and assessment ≤ 1.5×
the first size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.case_list import PASSWORD, build  # noqa: E402
from bench.postgres import analyze  # noqa: E402

PERIOD = dt.timedelta(weeks=9)  # the seeded cases' span: history moves back whole periods
HISTORY_COLUMNS = ("item_id", "sub_center_id", "window_id", "site_version_id", "applicant_name",
                   "applicant_id_type", "applicant_id_number", "applicant_phone", "form_version_id",
                   "data", "row_version", "extended_days", "accepted_by", "limit_days", "plan", "step",
                   "pauses", "used_days", "outcome", "legal_days")


def grow(app, target: int, base: list[dict]) -> None:
    """Add finished history until the table holds ``target`` cases."""
    from sqlalchemy import func, insert, select

    from portal.models import Case, db

    with app.app_context():
        table = Case.__table__
        have = db.session.scalar(select(func.count()).select_from(table))
        period = db.session.scalar(select(func.max(table.c.id)))  # a fresh number per copy
        start = time.perf_counter()
        while have < target:
            shift = PERIOD * (period // len(base) + 1)
            rows = []
            for row in base[: target - have]:
                accepted = row["accepted_at"] or row["created_at"]
                copy = {c: row[c] for c in HISTORY_COLUMNS}
                back = accepted - shift
                copy.update(number=f"H{period}-{row['number']}", state="completed", created_at=back,
                            accepted_at=back, completed_at=back + dt.timedelta(days=2),
                            due_date=back.date() + dt.timedelta(days=14), on_time=True)
                rows.append(copy)
            for i in range(0, len(rows), 20_000):
                db.session.execute(insert(table), rows[i:i + 20_000])
            db.session.commit()
            have += len(rows)
            period += len(rows)
        analyze(db, "cases")
        print(f"  grew to {have:,} cases in {time.perf_counter() - start:.1f} s")


def pages(app) -> list[tuple[str, str | None, str]]:
    """(label, user or None for anonymous, path) of every page timed."""
    from sqlalchemy import select

    from portal.models import Case, CaseState, PortalUser, db

    with app.app_context():
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        window = clerk.windows[0].id
        case_id = db.session.scalar(select(Case.id).where(Case.window_id == window,
                                                         Case.state == CaseState.ACCEPTED).limit(1))
    month = dt.date.today().strftime("%Y-%m")
    return [("login", None, "/login/"), ("case list", "ws-clerk", "/cases/list/"),
            ("worklist", "ws-clerk", "/worklist/"), ("case page", "ws-clerk", f"/cases/show/{case_id}"),
            ("monthly", "center-auditor", f"/reports/monthly?month={month}"),
            ("assessment", "center-auditor", f"/assessment/?month={month}")]


def measure_all(app, timed: list, requests: int) -> dict[str, float]:
    """The median of each page, sampled round-robin — one request of each page in turn,
    ``requests`` rounds — so that whatever slows the machine meanwhile slows every page alike
    and the ratios to /login/ compare like with like."""
    clients = {}
    for _, user, _ in timed:
        if user not in clients:
            client = app.test_client()
            if user is not None:
                answer = client.post("/login/", data={"username": user, "password": PASSWORD})
                assert answer.status_code == 302, f"{user} could not log in"
            clients[user] = client
    samples: dict[str, list[float]] = {label: [] for label, _, _ in timed}
    for round_ in range(requests + 3):  # three rounds of warm-up
        for label, user, path in timed:
            start = time.perf_counter()
            page = clients[user].get(path)
            took = time.perf_counter() - start
            assert page.status_code == 200, (path, page.status_code)
            if round_ >= 3:
                samples[label].append(took)
    return {label: statistics.median(values) for label, values in samples.items()}


def sizes_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line of a growth bench: the seeded cases and the sizes to grow to."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="which of sqlite,postgresql to run on (both by default)")
    return parser


def each_size(app, cases: int, sizes: list[int]) -> Iterator[int]:
    """Yield each size once the table holds that many cases (the seeded ones first, then grown
    with history); the app's connections are let go at the end."""
    from sqlalchemy import select

    from portal.models import Case, db

    with app.app_context():
        base = [dict(r._mapping) for r in db.session.execute(select(Case.__table__))]
    try:
        for size in [cases, *sizes]:
            if size > cases:
                grow(app, size, base)
            # the same heap at every size: growing left garbage in this process (a server's
            # heap does not grow with the table), and the collector's passes over it slowed
            # every page alike, /login/ included
            gc.collect()
            gc.freeze()
            yield size
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def run(label: str, url: str, cases: int, sizes: list[int], requests: int) -> None:
    print(f"{label}:")
    app = build(url, cases)
    timed = pages(app)
    first: dict[str, float] = {}
    for size in each_size(app, cases, sizes):
        figures = measure_all(app, timed, requests)
        first = first or figures
        print(f"  {size:>9,} cases   " + "   ".join(
            f"{name} {ms * 1000:5.1f} ms" for name, ms in figures.items()))
        print("      × /login/     " + "   ".join(
            f"{name} {figures[name] / figures['login']:4.2f}" for name in figures if name != "login"))
        print(f"      × at {cases:,}  " + "   ".join(
            f"{name} {figures[name] / first[name]:4.2f}" for name in figures))
        print(f"      × at {cases:,}, each over /login/ of its size  " + "   ".join(
            f"{name} {figures[name] / figures['login'] / (first[name] / first['login']):4.2f}"
            for name in figures if name != "login"))


def main() -> None:
    from bench.postgres import on_both_databases

    parser = sizes_parser(__doc__)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("PORTAL_CACHE_DIR", "")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    on_both_databases(run, args.cases, sizes, args.requests, databases=tuple(args.databases.split(",")))


if __name__ == "__main__":
    main()
