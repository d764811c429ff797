"""Benchmark: a clerk's scoped case list beside a plain, unscoped Flask-AppBuilder list.

    .venv/bin/python bench/case_list.py [--cases 200000] [--requests 60]

For SQLite and (when PORTAL_TEST_POSTGRES_URL is set) PostgreSQL: publish the demo site, seed
the cases over every window, then time, in the same run:
  scoped   GET /cases/list/ as a clerk bound to one window: the generated screen, every query
           through the one scope rule (portal/access/scope.py)
  plain    GET /plaincases/list/ as the center admin: a bare FAB ModelView over the same table
           with the same columns and the same rows — those of the clerk's window, by a plain
           `window_id = …` base filter — and no scope rule (center-wide users get none)
Each figure is the median and 95th percentile of full requests through the WSGI app (render
included), after a warm-up.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PASSWORD = "bench-口令-2026"


# the window whose cases the baseline lists: the clerk's (set once the demo users exist)
CLERKS_WINDOW: list[int] = []


def _plain_view():
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.filters import FilterEqualFunction
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from portal.models import Case
    from portal.web.entities import BY_NAME

    entity = BY_NAME["cases"]

    class PlainCaseList(ModelView):
        route_base = "/plaincases"
        datamodel = SQLAInterface(Case)
        list_columns = list(entity.list_columns)
        base_order = entity.order
        base_filters = [["window_id", FilterEqualFunction, lambda: CLERKS_WINDOW[0]]]
        page_size = 25

    return PlainCaseList


def build(url: str, cases: int, views: tuple = (), states: tuple[str, ...] | None = None):
    """A migrated, published portal with its demo users, ``cases`` seeded (in ``states``),
    and ``views`` (bench-only baselines) registered beside the generated ones."""
    from flask_migrate import upgrade

    from bench.postgres import analyze
    from portal import create_app
    from portal.cli.demo import ensure_demo_users, seed_cases
    from portal.models import db
    from portal.site import load_site
    from portal.site.publish import publish
    from portal.web.security import ensure_center_admin, sync_permissions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "b" * 40,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        for view in views or (_plain_view(),):
            app.appbuilder.add_view_no_menu(view)
        upgrade()
        sync_permissions(app)
        site, problems = load_site(REPO)
        assert site is not None, problems[:3]
        publish(db.session, site, by="bench")
        ensure_center_admin("admin", PASSWORD)
        ensure_demo_users(password=PASSWORD)
        from sqlalchemy import select

        from portal.models import PortalUser

        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        CLERKS_WINDOW[:] = [clerk.windows[0].id]
        start = time.perf_counter()
        seed_cases(cases, chunk=20_000, **({"states": states} if states else {}))
        # on PostgreSQL only: this bench's SQLite figures have always been taken without ANALYZE,
        # and its ratios are compared from run to run
        if db.engine.dialect.name == "postgresql":
            analyze(db, "cases")
        print(f"  seeded {cases:,} cases in {time.perf_counter() - start:.1f} s")
    return app


def measure(app, username: str, path: str, requests: int) -> tuple[float, float, str]:
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    for _ in range(5):
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        page = client.get(path)
        samples.append(time.perf_counter() - start)
        assert page.status_code == 200
    samples.sort()
    html = page.get_data(as_text=True)
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], html


def run(label: str, url: str, cases: int, requests: int) -> None:
    from portal.models import db

    print(f"{label}:")
    app = build(url, cases)
    scoped_med, scoped_p95, html = measure(app, "ws-clerk", "/cases/list/", requests)
    assert "WS2026" in html and "MZ2026" not in html  # really the clerk's scoped list
    plain_med, plain_p95, html = measure(app, "admin", "/plaincases/list/", requests)
    assert "WS2026" in html and "MZ2026" not in html  # the same rows, without the scope rule
    print(f"  scoped (clerk, /cases/list/)   median {scoped_med * 1000:6.1f} ms   "
          f"p95 {scoped_p95 * 1000:6.1f} ms")
    print(f"  plain  (FAB, window filter)    median {plain_med * 1000:6.1f} ms   "
          f"p95 {plain_p95 * 1000:6.1f} ms")
    print(f"  ratio scoped / plain           median {scoped_med / plain_med:5.2f}       "
          f"p95 {scoped_p95 / plain_p95:5.2f}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    from bench.postgres import main as bench_main

    bench_main(__doc__, run, cases=200_000, requests=60)


if __name__ == "__main__":
    main()
