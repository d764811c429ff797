"""Benchmark: the memory a worker needs to export the center's whole case list as CSV.

    .venv/bin/python bench/export_memory.py [--cases 10000] [--sizes 100000,1000000]
                                            [--databases sqlite,postgresql]

For SQLite and (when PORTAL_TEST_POSTGRES_URL is set) PostgreSQL: publish the demo site, seed
``--cases`` cases and grow the table with finished history to each of ``--sizes`` (as
bench/growth.py does). At each size a fresh worker process signs in as the center admin, serves
one list page (warmed up: an idle worker), then streams GET /cases/export.csv — every case of the
center, with each case's application text — reading the download as a client would. Printed:

  idle      the worker's resident memory after the warm-up page (the baseline)
  peak      its highest resident memory while the export streamed (sampled per block sent)
  ratio     peak / idle; the goal is ≤ 1.2× an idle worker plus a constant, at any size
and the rows received, the time, and whether the file ended with its end row (a whole export).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(url: str) -> None:
    """One worker: warm up, then export; print the figures as JSON."""
    from bench.case_list import PASSWORD
    from portal import create_app

    logging.disable(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "b" * 40,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert client.post("/login/", data={"username": "admin", "password": PASSWORD}).status_code == 302
    for _ in range(3):
        assert client.get("/cases/list/").status_code == 200
    idle = rss_mb()
    peak, rows, last = idle, 0, b""
    start = time.perf_counter()
    response = client.get("/cases/export.csv", buffered=False)
    assert response.status_code == 200
    for block in response.response:
        rows += block.count(b"\n")
        last = (last + block)[-200:]
        peak = max(peak, rss_mb())
    response.close()
    whole = "导出完毕".encode() in last
    print(json.dumps({"idle": idle, "peak": peak, "rows": rows - 2, "seconds": time.perf_counter() - start,
                      "whole": whole}))


def run(label: str, url: str, cases: int, sizes: list[int]) -> None:
    from bench.case_list import build
    from bench.growth import each_size
    from portal.models import db

    print(f"{label}:")
    app = build(url, cases)
    for size in each_size(app, cases, sizes):
        with app.app_context():
            db.engine.dispose()  # the worker below is another process, with its own connections
        out = subprocess.run([sys.executable, __file__, "--child", url], capture_output=True, text=True,
                             check=True, env={**os.environ, "PORTAL_CACHE_DIR": ""})
        f = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {size:>9,} cases   idle {f['idle']:6.1f} MB   peak {f['peak']:6.1f} MB   "
              f"ratio {f['peak'] / f['idle']:4.2f}   (+{f['peak'] - f['idle']:5.1f} MB)   "
              f"{f['rows']:,} rows in {f['seconds']:.1f} s   {'whole' if f['whole'] else 'CUT OFF'}")


def main() -> None:
    from bench.growth import sizes_parser
    from bench.postgres import on_both_databases

    parser = sizes_parser(__doc__)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    logging.disable(logging.WARNING)
    os.environ.setdefault("PORTAL_CACHE_DIR", "")
    on_both_databases(run, args.cases, [int(s) for s in args.sizes.split(",") if s],
                      databases=tuple(args.databases.split(",")))


if __name__ == "__main__":
    main()
