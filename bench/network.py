"""Benchmark: the supervision of the three-level network (三级便民服务网络) over 200,000 cases —
the town/village block of the worklist and the monthly report's network section — beside
today's clerk worklist.

    .venv/bin/python bench/network.py [--cases 200000] [--requests 30]

For SQLite and (when PORTAL_TEST_POSTGRES_URL is set) PostgreSQL: publish the demo site, seed
the cases (over nine weeks, bench/case_list.py ``build``), then make 代办 of every case of each
item a town center carries to its deciding sub-center (代办类, ``decided_by``; about one case in
twenty of the whole): taken at the
towns' village points in turn (one in five at the town's own counter) a few days before the
deciding window accepted it, each at the stage its case's state says — one in ten still in
transit (at the village or the town), the open ones delivered, the completed ones mostly
replied to — and 催办 recorded (through the event log, as the flow records them) on up to 300 of
the delivered cases the window is late with. Then time, in the same run, round-robin (one
request of each page in turn, so that whatever slows the machine slows them all alike):

  clerk worklist    GET /worklist/ as ws-clerk (one window, through the scope rule): the
                    baseline, today's worklist of a counter
  town worklist     GET /worklist/ as huayang-manager: their sub-center's worklist and the
                    network block of their town (today's under way per village, the late list)
  center worklist   GET /worklist/ as center-auditor: every case, and the block of every town
  town monthly      GET /reports/monthly?month=<this month> as huayang-manager
  center monthly    GET /reports/monthly?month=<this month> as center-auditor (every
                    sub-center's row and the network section of every town)

Printed: each page's median and p95, its ratio to the clerk's worklist, and the network's own
queries timed alone (the center's scope): the month's figures per place, today's under way per
place, the late list, and what the pages add — the report's section and the worklist's block
with their names — with their share of the center's pages.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.case_list import PASSWORD, build  # noqa: E402
from bench.postgres import analyze  # noqa: E402

REMINDERS = 300  # the delivered and late cases pressed (催办), each through the event log


def make_agency(app) -> tuple[int, int, int]:
    """Turn every case of the towns' 代办类 items into an agency case (see the module's
    docstring). Returns (agency cases, all cases, reminders)."""
    from sqlalchemy import and_, bindparam, func, insert, or_, select, update

    from portal.access.scope import unscoped
    from portal.cases import agency
    from portal.cases.audit import append
    from portal.cases.network import utc
    from portal.core import servertime
    from portal.models import AgencyStage, Case, CaseAgency, CaseState, PortalUser, SubCenter, Village, db
    from portal.models.case import AGENCY
    from portal.web.current import current_site

    with app.test_request_context(), unscoped():
        site, now = current_site(), servertime.now()
        users = {u.username: u.id for u in db.session.scalars(select(PortalUser))}
        carriers: dict[tuple[int, int], list[tuple[int, list[tuple[int | None, str]]]]] = {}
        for town in db.session.scalars(select(SubCenter).where(SubCenter.kind == "town_center")
                                       .order_by(SubCenter.code)):
            villages = db.session.scalars(select(Village).where(Village.sub_center_id == town.id)
                                          .order_by(Village.code)).all()
            takers = [(v.id, a.username) for v in villages for a in v.agents
                      if a.title == "便民服务代办员" and a.username in users]
            takers.append((None, f"{town.code}-clerk"))  # the town's own counter
            for code in site.subcenters[town.code].offerings:
                deciding = agency.deciding_offering(db.session, site, town.code, code)
                if deciding is not None:
                    carriers.setdefault((deciding.sub_center_id, deciding.item_id), []).append(
                        (town.id, takers))
        cases = Case.__table__
        rows = db.session.execute(
            select(cases.c.id, cases.c.sub_center_id, cases.c.item_id, cases.c.state, cases.c.accepted_at,
                   cases.c.completed_at, cases.c.created_at)
            .where(func.coalesce(cases.c.accepted_at, cases.c.created_at).is_not(None))
            .order_by(cases.c.id)).all()
        chosen = [r for r in rows if (r.sub_center_id, r.item_id) in carriers]
        agencies, changed = [], []
        for n, r in enumerate(chosen):
            towns = carriers[(r.sub_center_id, r.item_id)]
            town_id, takers = towns[n % len(towns)]
            # the villages' 代办员 in turn; one in five at the town's own counter (the last)
            village_id, username = takers[-1] if n % 5 == 0 or len(takers) == 1 else \
                takers[(n // 5) % (len(takers) - 1)]
            row = {"case_id": r.id, "sub_center_id": town_id, "village_id": village_id, "taken_by": username,
                   "taken_by_id": users[username], "reminders": 0,
                   **dict.fromkeys(("to_town_at", "to_town_by", "delivered_at", "delivered_by", "returned_at",
                                    "returned_by", "replied_at", "replied_by", "reminded_at", "reminded_by"))}
            town_clerk = takers[-1][1]
            if n % 10 == 3:  # still on its way: at the village, or at the town
                taken = now - dt.timedelta(days=n % 6, hours=n % 7)
                at_village = village_id is not None and n % 20 == 3
                row.update(stage=AgencyStage.VILLAGE if at_village else AgencyStage.TOWN, taken_at=taken,
                           to_town_at=None if at_village else taken + dt.timedelta(hours=3),
                           to_town_by=None if at_village else username)
                changed.append({"b_id": r.id, "b_state": CaseState.FORWARDING, "b_accepted": None})
                agencies.append(row)
                continue
            # delivered just before the window accepted it; one waiting for the window, days ago
            reached = utc(r.accepted_at) if r.accepted_at else \
                utc(r.created_at) - dt.timedelta(days=r.id % 9)
            taken = reached - dt.timedelta(days=1 + n % 6, hours=2)
            delivered = reached - dt.timedelta(hours=2)
            row.update(taken_at=taken, to_town_at=taken + dt.timedelta(hours=4), to_town_by=username,
                       delivered_at=delivered, delivered_by=town_clerk, stage=AgencyStage.DELIVERED)
            if r.state == CaseState.COMPLETED and r.completed_at is not None and n % 7:
                back = utc(r.completed_at) + dt.timedelta(hours=20)
                row.update(stage=AgencyStage.RETURNED, returned_at=back, returned_by=username)
                if back + dt.timedelta(days=1) < now:
                    row.update(stage=AgencyStage.REPLIED, replied_at=back + dt.timedelta(days=1),
                               replied_by=username)
            changed.append({"b_id": r.id, "b_state": r.state, "b_accepted": r.accepted_at})
            agencies.append(row)
        for i in range(0, len(agencies), 10_000):
            db.session.execute(insert(CaseAgency.__table__), agencies[i:i + 10_000])
        statement = (update(cases).where(cases.c.id == bindparam("b_id"))
                     .values(channel=AGENCY, state=bindparam("b_state"), accepted_at=bindparam("b_accepted")))
        forwarding = [c for c in changed if c["b_state"] == CaseState.FORWARDING]
        if forwarding:
            db.session.execute(statement, forwarding)
        for ids, values in (([c["b_id"] for c in changed], {"channel": AGENCY}),
                            ([c["b_id"] for c in forwarding], dict.fromkeys((
                                "due_date", "accepted_by", "limit_days", "plan", "step", "pauses",
                                "completed_at", "used_days", "on_time", "outcome", "legal_days")))):
            for i in range(0, len(ids), 5_000):
                db.session.execute(update(cases).where(cases.c.id.in_(ids[i:i + 5_000])).values(**values))
        db.session.commit()
        # 催办: the delivered cases the window is late with, pressed through the event log
        today = servertime.local_day(now, site.zone)
        late = db.session.scalars(
            select(Case).join(CaseAgency, CaseAgency.case_id == Case.id)
            .where(CaseAgency.stage == AgencyStage.DELIVERED, or_(
                and_(Case.state == CaseState.ACCEPTED, Case.due_date < today),
                and_(Case.state == CaseState.SUBMITTED,
                     CaseAgency.delivered_at < now - dt.timedelta(days=5))))
            .order_by(Case.id).limit(REMINDERS)).all()
        for n, case in enumerate(late):
            at = now - dt.timedelta(hours=1 + n % 48)
            carried = case.agency
            carried.reminded_at, carried.reminded_by, carried.reminders = at, carried.taken_by, 1
            reason = agency.OVERDUE if case.state == CaseState.ACCEPTED else agency.NOT_ACCEPTED
            append(db.session, case, "agency_remind", carried.taken_by,
                   {"late": reason, "due": case.due_date.isoformat() if case.due_date else None,
                    "reminders": 1}, at=at)
        db.session.commit()
        analyze(db)
        return len(agencies), len(rows), len(late)


PAGES = (("clerk worklist", "ws-clerk", "/worklist/"),
         ("town worklist", "huayang-manager", "/worklist/"),
         ("center worklist", "center-auditor", "/worklist/"),
         ("town monthly", "huayang-manager", "/reports/monthly?month={month}"),
         ("center monthly", "center-auditor", "/reports/monthly?month={month}"))


def measure(app, month: str, requests: int) -> dict[str, tuple[float, float, str]]:
    """Each page's (median, p95, last page), sampled round-robin after three warm-up rounds."""
    clients = {}
    for _, user, _ in PAGES:
        if user not in clients:
            client = app.test_client()
            answer = client.post("/login/", data={"username": user, "password": PASSWORD})
            assert answer.status_code == 302, f"{user} could not log in"
            clients[user] = client
    samples: dict[str, list[float]] = {label: [] for label, _, _ in PAGES}
    html: dict[str, str] = {}
    for round_ in range(requests + 3):
        for label, user, path in PAGES:
            start = time.perf_counter()
            page = clients[user].get(path.format(month=month))
            took = time.perf_counter() - start
            assert page.status_code == 200, (label, page.status_code)
            if round_ >= 3:
                samples[label].append(took)
            html[label] = page.get_data(as_text=True)
    out = {}
    for label, values in samples.items():
        values.sort()
        out[label] = (statistics.median(values), values[int(0.95 * (len(values) - 1))], html[label])
    return out


def domain(app, requests: int) -> dict[str, float]:
    """The network's own queries, alone (the center's scope: every town), median ms."""
    from portal.access.scope import unscoped
    from portal.assessment.network import month_figures
    from portal.assessment.reports import Month
    from portal.cases import lifecycle
    from portal.cases.network import late, underway
    from portal.core import servertime
    from portal.models import db
    from portal.web.current import current_site
    from portal.web.network import month_section, today_block

    with app.test_request_context(), unscoped():
        site = current_site()
        calendar, zone = lifecycle.calendar_of(site), site.zone
        today = servertime.local_day(servertime.now(), zone)
        month = Month(today.year, today.month)
        timed = {"month figures": lambda: month_figures(db.session, month, zone, calendar),
                 "under way today": lambda: underway(db.session, calendar, today, zone),
                 "late list": lambda: late(db.session, calendar, today, zone, 20),
                 # what the pages add: the report's section, the worklist's block (with the names)
                 "report section": lambda: month_section(site, month, today),
                 "worklist block": lambda: today_block(site, today)}
        out = {}
        for name, call in timed.items():
            samples = []
            for _ in range(requests):
                start = time.perf_counter()
                call()
                samples.append(time.perf_counter() - start)
            out[name] = statistics.median(samples)
        sizes = (len(timed["month figures"]()), len(timed["under way today"]()))
        db.session.remove()
    print(f"  the network's queries alone (places with figures this month: {sizes[0]}, "
          f"under way: {sizes[1]})")
    return out


def run(label: str, url: str, cases: int, requests: int) -> None:
    from portal.models import db

    print(f"{label}:")
    app = build(url, cases)
    start = time.perf_counter()
    carried, total, pressed = make_agency(app)
    print(f"  代办: {carried:,} of {total:,} cases ({carried / total:.1%}) carried through the towns, "
          f"{pressed} pressed, in {time.perf_counter() - start:.1f} s")
    month = dt.date.today().strftime("%Y-%m")
    figures = measure(app, month, requests)
    town_html, center_html = figures["town worklist"][2], figures["center worklist"][2]
    assert 'data-network="huayang"' in town_html and 'data-network="baohua"' not in town_html
    assert 'data-network="baohua"' in center_html and 'data-testid="network-today"' not in \
        figures["clerk worklist"][2]
    assert 'data-network="huayang/' in figures["town monthly"][2]
    base = figures["clerk worklist"][0]
    for name, (median, p95, _) in figures.items():
        print(f"  {name:<16} median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
              f"ratio / clerk worklist {median / base:5.2f}")
    alone = domain(app, requests)
    for name, took in alone.items():
        print(f"    {name:<16} median {took * 1000:7.2f} ms")
    print(f"  share of the center's pages: report section / center monthly "
          f"{alone['report section'] / figures['center monthly'][0]:.2f}, worklist block / center worklist "
          f"{alone['worklist block'] / figures['center worklist'][0]:.2f}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    from bench.postgres import main as bench_main

    bench_main(__doc__, run, cases=200_000, requests=30)


if __name__ == "__main__":
    main()
