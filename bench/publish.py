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
  browser     a center admin's save of a sub-center's phone on its edit screen (the form's
              check, then the publication), the first with the browser edits' shape cache cold
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

PASSWORD = "bench-口令-2026"


def run(label: str, url: str, root: Path, rounds: int) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.models import db
    from portal.site import load_site
    from portal.site.publish import publish

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "p" * 40,
                      "WTF_CSRF_ENABLED": False})
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
        from portal.web.security import ensure_center_admin, sync_permissions

        sync_permissions(app)
        ensure_center_admin("admin", PASSWORD)
        db.session.commit()
        saves = browser_saves(app, rounds + 1)
        db.session.remove()
        db.engine.dispose()
    same, one = statistics.median(unchanged), statistics.median(changed)
    print(f"{label}:")
    print(f"  first       {first:7.2f} s")
    print(f"  unchanged   {same:7.2f} s")
    print(f"  one phone   {one:7.2f} s   ratio one phone / unchanged = {one / same:.2f}")
    print(f"  browser     {saves[0]:7.2f} s first save, then {statistics.median(saves[1:]):.2f} s "
          f"(the goal: within 3 s)")


def browser_saves(app, count: int) -> list[float]:
    """Seconds of each of ``count`` saves of a sub-center's phone on its edit screen, the way a
    manager saves (form check, then publication), the first one with a cold shape cache."""
    import re

    from sqlalchemy import select

    from portal.models import SubCenter, db

    client = app.test_client()
    assert client.post("/login/", data={"username": "admin", "password": PASSWORD}).status_code == 302
    sub = db.session.scalars(select(SubCenter).where(SubCenter.code == "s01")).one()
    path = f"/subcenters/edit/{sub.id}"
    out = []
    for n in range(count):
        html = client.get(path).get_data(as_text=True)
        base = re.search(r'name="base_version" type="hidden" value="(\d+)"', html).group(1)
        start = time.perf_counter()
        saved = client.post(path, data={"address": sub.address, "hours": sub.hours, "base_version": base,
                                         "phone": f"0511-8729{n:04d}"})
        out.append(time.perf_counter() - start)
        assert saved.status_code == 302, saved.get_data(as_text=True)[-2000:]
    return out


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
