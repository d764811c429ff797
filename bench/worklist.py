"""Benchmark: the worklist with its lights (待办与监察) over 200,000 open cases, beside the same
page without lights.

    .venv/bin/python bench/worklist.py [--cases 200000] [--requests 40]

For SQLite and (when PORTAL_TEST_POSTGRES_URL is set) PostgreSQL: publish the demo site, seed
open cases (accepted and paused) over every window with real due dates, then time, in the
same run, as the center admin (every case in scope):
  lights    GET /worklist/: the first page, overdue first, each row's light and working days
            left, plus every sub-center's count of each light (one GROUP BY)
  plain     GET /plainworklist/: the same template, order and page size, without lights:
            one count of the open cases and the first page by due date (no light expression,
            no per-light counts, no days left)
and, for reference, a clerk's /worklist/ (one window through the scope rule).
Each figure is the median and 95th percentile of full requests through the WSGI app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.case_list import build, measure  # noqa: E402


def _plain_view() -> type:
    from flask_appbuilder import expose, has_access
    from sqlalchemy import func, select

    from portal.cases.supervision import (
        IS_OPEN,
        IS_WAITING,
        LIGHTS,
        LINE,
        OPEN_STATES,
        Filters,
        Line,
        with_names,
    )
    from portal.cases.supervision import waiting as waiting_cases
    from portal.models import Case, db
    from portal.web.cases.casework import thresholds
    from portal.web.cases.worklist import PAGE_SIZE, WAITING_PAGE, WorklistView, open_step
    from portal.web.current import current_site

    class PlainWorklist(WorklistView):
        route_base = "/plainworklist"

        @expose("/")
        @has_access
        def index(self) -> Any:
            # the same rows as the page (its columns and related names, in one statement)
            cases = [Line(*row) for row in db.session.execute(with_names(
                select(*LINE).where(IS_OPEN, Case.due_date.is_not(None))
                .order_by(Case.due_date, Case.id).limit(PAGE_SIZE)))]
            total = db.session.scalar(select(func.count(Case.id)).where(IS_OPEN))
            # the waiting cases too, read as the page reads them
            waiting = waiting_cases(db.session, Filters(), WAITING_PAGE)
            waiting_total = db.session.scalar(select(func.count(Case.id)).where(IS_WAITING))
            return self.render_template(
                "portal/worklist.html", title="plain",
                rows=[(c, "", None, open_step(c), False) for c in cases],
                total=total, page=0, pages=1, summary=[], totals={}, args={},
                options={"sub_center": "", "window": "", "item": ""},
                filters=type("F", (), {"sub_center": None, "window": None, "item": None,
                                       "state": None, "light": None})(),
                lights=LIGHTS, states=OPEN_STATES, th=thresholds(current_site()), red="red", yellow=2,
                waiting=waiting, waiting_total=waiting_total, wpage=0,
                wpages=max((waiting_total + WAITING_PAGE - 1) // WAITING_PAGE, 1))

    return PlainWorklist


def run(label: str, url: str, cases: int, requests: int) -> None:
    from portal.models import db

    print(f"{label}:")
    app = build(url, cases, views=(_plain_view(),), states=("accepted", "accepted", "accepted", "paused"))
    lit_med, lit_p95, html = measure(app, "admin", "/worklist/", requests)
    assert 'data-light="red"' in html and f"在办件 {cases:,}".replace(",", "") in html.replace(",", "")
    plain_med, plain_p95, html = measure(app, "admin", "/plainworklist/", requests)
    assert "data-number=" in html
    clerk_med, clerk_p95, html = measure(app, "ws-clerk", "/worklist/", requests)
    assert "WS2026" in html and "MZ2026" not in html
    def ms(median: float, p95: float) -> str:
        return f"median {median * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms"

    print(f"  lights (admin, /worklist/)     {ms(lit_med, lit_p95)}")
    print(f"  plain  (same page, no lights)  {ms(plain_med, plain_p95)}")
    print(f"  ratio lights / plain           median {lit_med / plain_med:5.2f}       "
          f"p95 {lit_p95 / plain_p95:5.2f}")
    print(f"  clerk (one window, scoped)     {ms(clerk_med, clerk_p95)}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    from bench.postgres import main as bench_main

    bench_main(__doc__, run, cases=200_000, requests=40)


if __name__ == "__main__":
    main()
