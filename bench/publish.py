"""Benchmark: publishing a large site again after one field changed, beside publishing it again
unchanged — the way `portal sync` and a manager's browser save publish.

    .venv/bin/python bench/publish.py [--subcenters 50] [--per-subcenter 200] [--rounds 3]

The site is bench/check_large_site.py's county (10 departments with their own items, the rest
town centers offering the same town items; 10,000 offerings by default). For SQLite and (when
PORTAL_TEST_POSTGRES_URL is set) PostgreSQL, in the same run:
  first       the first publication into an empty database (for reference; fills the shape
              cache, on as `portal sync` has it by default)
  unchanged   `load_site` + `publish` of the same folder: the check, and nothing to write
  one phone   `load_site` + `publish` after one sub-center's phone number changed: a new version,
              and only the rows that changed written (the goal: at most 2× `unchanged`, under 5 s)
Figures are medians over the rounds (the phone alternates between two numbers).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.check_large_site import generate  # noqa: E402


def run(label: str, url: str, root: Path, rounds: int) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.models import db
    from portal.site import load_site
    from portal.site.publish import publish

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "p" * 40})
    edited = root / "schema/subcenters/s00.yaml"
    text = edited.read_text(encoding="utf-8")

    def sync() -> float:
        start = time.perf_counter()
        site, problems = load_site(root)
        assert site is not None, problems[:3]
        publish(db.session, site, by="bench")
        return time.perf_counter() - start

    with app.app_context():
        upgrade()
        first = sync()
        unchanged, changed = [], []
        for n in range(rounds):
            unchanged.append(sync())
            edited.write_text(text.replace("0511-87280000", f"0511-8728{n % 2 + 1:04d}"), encoding="utf-8")
            changed.append(sync())
        db.session.remove()
        db.engine.dispose()
    same, one = statistics.median(unchanged), statistics.median(changed)
    print(f"{label}:")
    print(f"  first       {first:7.2f} s")
    print(f"  unchanged   {same:7.2f} s")
    print(f"  one phone   {one:7.2f} s   ratio one phone / unchanged = {one / same:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--subcenters", type=int, default=50)
    parser.add_argument("--per-subcenter", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from bench.postgres import on_both_databases

    with tempfile.TemporaryDirectory() as tmp:
        # the shape cache on, in a folder of its own, as `portal sync` runs by default (filled
        # by the first publication; the phone edit re-shapes one file)
        os.environ["PORTAL_CACHE_DIR"] = str(Path(tmp) / "cache")
        root = Path(tmp) / "site"
        generate(root, distinct=False, subcenters=args.subcenters, towns=args.subcenters * 4 // 5,
                 per_subcenter=args.per_subcenter)
        print(f"{args.subcenters} sub-centers, {args.subcenters * args.per_subcenter:,} offerings")
        on_both_databases(run, root, args.rounds)


if __name__ == "__main__":
    main()
