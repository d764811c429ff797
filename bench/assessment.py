"""Benchmark: a month's assessment scores of 50 windows over 100,000 cases, beside one raw SQL
GROUP BY computing only the on-time rate.

    .venv/bin/python bench/assessment.py [--cases 100000] [--windows 50]

For SQLite and (when PORTAL_TEST_POSTGRES_URL is set) PostgreSQL: publish the demo site, add
windows up to 50, seed November 2026 — 100,000 cases accepted and mostly completed (some late,
some open past their due date), 30,000 evaluations, 300 complaints, 600 inspection findings —
then time, in the same run:
  scores    portal.assessment: every metric of every window (the monthly report's GROUP BY and
            one GROUP BY each over evaluations, complaints, inspections), then every window's
            score by the demo center's rules
  baseline  SELECT window_id, on-time share FROM cases WHERE completed in November GROUP BY
            window_id — one figure, no rules
and the same by clerk (each case accepted by one of three clerks of its window: 150 clerks),
beside the same GROUP BY over accepted_by; then, once, the XLSX workbook an auditor downloads
(the ranking, every record behind every point, the rules).
Medians of 7 runs after one warm-up.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.case_list import build  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
NOVEMBER = [dt.date(2026, 11, d) for d in range(2, 28) if dt.date(2026, 11, d).weekday() < 5]


def seed(app, cases: int, windows: int) -> None:
    from sqlalchemy import insert, select, text

    from portal.models import Case, Complaint, Evaluation, Inspection, Item, SubCenter, Window, db
    from portal.site.publish import current_version

    rng = random.Random(2026)
    with app.app_context():
        subs = db.session.scalars(select(SubCenter)).all()
        have = db.session.scalars(select(Window)).all()
        version = current_version(db.session).id
        for n in range(len(have), windows):
            db.session.add(Window(code=f"BX{n:02d}", name=f"综合窗口{n}", department="bench",
                                  sub_center_id=subs[n % len(subs)].id, version_id=version, data={}))
        db.session.commit()
        places = [(w.id, w.sub_center_id) for w in db.session.scalars(select(Window))][:windows]
        item = db.session.scalars(select(Item.id)).first()
        rows, case_ids = [], []
        for n in range(cases):
            window, sub = places[n % len(places)]
            clerk = f"bx-clerk-{(n % len(places)) * 3 + n // len(places) % 3}"  # three per window
            day = NOVEMBER[n % len(NOVEMBER)]
            accepted = dt.datetime.combine(day, dt.time(9), ZONE).astimezone(dt.UTC)
            limit = (0, 1, 5, 15)[n % 4]
            due = day + dt.timedelta(days=limit * 7 // 5)
            done = rng.random() < 0.9
            late = rng.random() < 0.05
            finished = due + dt.timedelta(days=1 if late else 0)
            rows.append({
                "number": f"B{n:07d}", "item_id": item, "sub_center_id": sub, "window_id": window,
                "site_version_id": version, "applicant_name": "张三", "applicant_id_type": "居民身份证",
                "applicant_id_number": "11010519491231002X", "data": {}, "row_version": 1,
                "state": "completed" if done else "accepted", "accepted_at": accepted, "accepted_by": clerk,
                "limit_days": limit, "legal_days": limit * 2 or 1, "due_date": due, "extended_days": 0,
                "completed_at": dt.datetime.combine(finished, dt.time(16), ZONE).astimezone(dt.UTC)
                if done else None,
                "on_time": (not late) if done else None,
                "used_days": limit + (1 if late else 0) if done else None,
            })
            if len(rows) == 20_000:
                db.session.execute(insert(Case.__table__), rows)
                rows = []
        if rows:
            db.session.execute(insert(Case.__table__), rows)
        db.session.commit()
        case_ids = list(db.session.execute(select(Case.id, Case.window_id, Case.sub_center_id)))
        levels = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
        db.session.execute(insert(Evaluation.__table__), [
            {"case_id": c, "window_id": w, "sub_center_id": s,
             "level": levels[min(int(rng.expovariate(1.2)), 4)],
             "channel": "现场评价器", "recorded_by": "bench",
             "created_at": dt.datetime(2026, 11, 15, 2, tzinfo=dt.UTC)}
            for c, w, s in rng.sample(case_ids, min(30_000, len(case_ids)))])
        db.session.execute(insert(Complaint.__table__), [
            {"window_id": w, "sub_center_id": s, "channel": "12345热线", "content": "投诉",
             "outcome": rng.choice(("属实", "不属实")), "recorded_by": "bench",
             "created_at": dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)} for w, s in
            (places[rng.randrange(len(places))] for _ in range(300))])
        db.session.execute(insert(Inspection.__table__), [
            {"window_id": w, "sub_center_id": s, "inspected_on": rng.choice(NOVEMBER), "kind": "工作纪律",
             "finding": "离岗", "deduction": Decimal("0.5"), "evidence": "照片", "recorded_by": "bench"}
            for w, s in (places[rng.randrange(len(places))] for _ in range(600))])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def run(label: str, url: str, cases: int, windows: int) -> None:
    from sqlalchemy import case, func, select

    from portal.assessment.metrics import empty_metrics, metrics
    from portal.assessment.reports import Month
    from portal.assessment.scoring import score
    from portal.models import Case, db
    from portal.site import load_site

    print(f"{label}:")
    app = build(url, 0)
    start = time.perf_counter()
    seed(app, cases, windows)
    print(f"  seeded {cases:,} cases over {windows} windows in {time.perf_counter() - start:.1f} s")
    rules = load_site(REPO)[0].center["assessment"]
    month, today = Month(2026, 11), dt.date(2026, 12, 5)
    start_at, end_at = month.bounds(ZONE)
    with app.app_context():
        subjects = (("window", Case.window_id, windows, f"{windows} windows"),
                    ("clerk", Case.accepted_by, windows * 3, f"{windows * 3} clerks"))
        for by, column, expected, words in subjects:
            def scores(by: str = by) -> int:
                values = metrics(db.session, month, today, ZONE, by=by)
                return len([score(rules, values.get(w, empty_metrics())) for w in values])

            def baseline(column=column) -> int:
                return len(db.session.execute(
                    select(column, func.sum(case((Case.on_time.is_(True), 1), else_=0)) * 1.0
                           / func.count()).where(Case.completed_at >= start_at, Case.completed_at < end_at)
                    .group_by(column)).all())

            assert scores() == expected and baseline() == expected  # warm-up; both see every subject
            ours, plain = [], []
            for _ in range(7):
                t = time.perf_counter()
                scores()
                ours.append(time.perf_counter() - t)
                t = time.perf_counter()
                baseline()
                plain.append(time.perf_counter() - t)
            ours_med, plain_med = statistics.median(ours), statistics.median(plain)
            print(f"  all scores of {words:<12}  median {ours_med * 1000:7.1f} ms")
            print(f"  baseline on-time GROUP BY      median {plain_med * 1000:7.1f} ms")
            print(f"  ratio scores / baseline        {ours_med / plain_med:.2f}")
        from portal.assessment.exports import workbook
        from portal.assessment.ranking import ranking

        t = time.perf_counter()
        rows = ranking(db.session, rules, month, today, ZONE)
        data = workbook(rules, month, rows, "bench", db.session, today, ZONE)
        print(f"  XLSX workbook of {len(rows)} windows (ranking, evidence, rules), once:"
              f" {time.perf_counter() - t:.2f} s, {len(data) // 1024} KiB")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    from bench.postgres import main as bench_main

    bench_main(__doc__, run, cases=100_000, windows=50)


if __name__ == "__main__":
    main()
