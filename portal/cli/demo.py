"""Demo accounts: one login per role for every sub-center of the published site, and one for
every declared 代办员 of a village point, bound to its village (`make run`).

Passwords are random per installation and kept in a file only the owner can read, so the
demo can print them again; a real center creates its users in the browser.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select, text
from stdnum.cn import ric
from werkzeug.security import generate_password_hash

from portal.access.roles import AGENT, AUDITOR, CLERK, MANAGER, ROLE_NAMES
from portal.cases import agency
from portal.cases.audit import append
from portal.cases.intake import spec_of
from portal.cases.lifecycle import calendar_of, local_day
from portal.cases.numbering import formatted, sequence_scope
from portal.core import servertime
from portal.core.canonical import plain
from portal.core.errors import N_, PortalError
from portal.models import (
    AgencyStage,
    Case,
    CaseAgency,
    CaseSequence,
    CaseState,
    Item,
    Offering,
    PortalUser,
    SubCenter,
    Village,
    VillageAgent,
    db,
)
from portal.models.case import AGENCY, COUNTER, ONLINE
from portal.models.users import user_sub_center, user_window
from portal.site.publish import current_version
from portal.web.current import current_site


@dataclass(frozen=True)
class Login:
    username: str
    password: str | None  # None: the account existed and its password is not known here
    role: str  # role key
    scope: str  # what it sees, in words


def read_remembered(path: Path | None) -> dict[str, str]:
    if path is None or not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        username, _, password = line.partition("\t")
        if username and password:
            out[username] = password
    return out


def remember(path: Path | None, username: str, password: str) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{username}\t{password}\n")


def ensure_demo_users(remembered: Path | None = None, password: str | None = None) -> list[Login]:
    """Create the demo accounts that are missing; return every demo login.

    ``password``: one password for all of them (tests); by default each gets a random one.
    """
    sm = current_app.appbuilder.sm
    known = read_remembered(remembered)
    subs = db.session.scalars(select(SubCenter).where(SubCenter.active)
                              .order_by(SubCenter.kind, SubCenter.code)).all()
    if not subs:
        raise PortalError(N_("no sub-center is published yet"), hint=N_("run `portal sync` first"))
    wanted: list[tuple[str, str, str, dict]] = [
        ("center-auditor", AUDITOR, "监督考核员（全中心）", {"center_wide": True}),
    ]
    deciding = _deciding_windows()
    for sub in subs:
        first = sub.windows[0]
        wanted += [
            (f"{sub.code}-manager", MANAGER, sub.unified_name, {"sub_centers": [sub]}),
            (f"{sub.code}-clerk", CLERK, f"{sub.unified_name} {first.code} {first.name}",
             {"windows": [first]}),
            (f"{sub.code}-auditor", AUDITOR, sub.unified_name, {"sub_centers": [sub]}),
        ]
        # 代办: a clerk at each other window that decides what a town center carries to it
        wanted += [(f"{sub.code}-{w.code.lower()}-clerk", CLERK, f"{sub.unified_name} {w.code} {w.name}",
                    {"windows": [w]}) for w in sub.windows if w.id in deciding and w.id != first.id]
    # each declared 代办员: their login, bound to their village (their name and 职务 on the account)
    agents = db.session.execute(
        select(VillageAgent, Village).join(Village, Village.id == VillageAgent.village_id)
        .where(VillageAgent.active, Village.active).order_by(Village.code, VillageAgent.id)).all()
    names: dict[str, tuple[str, str]] = {}
    for agent, village in agents:
        wanted.append((agent.username, AGENT,
                       f"{village.sub_center.unified_name} {village.name} {agent.title}",
                       {"villages": [village]}))
        names[agent.username] = (agent.name, agent.title)
    shared_hash = _hash(password) if password else ""  # one hash for all: scrypt is slow
    logins = []
    created: list[tuple[str, str]] = []
    for username, role_key, scope, assign in wanted:
        secret = known.get(username)
        if sm.find_user(username=username) is None:
            role = sm.find_role(ROLE_NAMES[role_key])
            if role is None:
                raise PortalError(N_("role %(role)s does not exist"),
                                  hint=N_("run `portal setup` first"), role=ROLE_NAMES[role_key])
            secret = password or secrets.token_urlsafe(9)
            first, last = names.get(username, (ROLE_NAMES[role_key], scope))
            user = sm.add_user(username, first, last, f"{username}@portal.invalid", role,
                               hashed_password=shared_hash or _hash(secret), commit=False)
            if not user:
                raise PortalError(N_("could not create user %(user)s"), hint=N_("see the log above"),
                                  user=username)
            for key, value in assign.items():
                setattr(user, key, value)
            created.append((username, secret))
        logins.append(Login(username, secret, role_key, scope))
    db.session.commit()
    for username, secret in created:  # only once they exist
        remember(remembered, username, secret)
    return logins


def _deciding_windows() -> set[int]:
    """The windows where the 代办 cases of the town centers are decided: the first window the
    deciding sub-center names for each 代办类 item (portal/cases/agency.py)."""
    site = current_site()
    if site is None:
        return set()
    out = set()
    for sub in site.subcenters.values():
        for code, offered in sub.offerings.items():
            if offered.item_class != "代办类" or not offered.decided_by:
                continue
            offering = agency.deciding_offering(db.session, site, sub.code, code)
            if offering is not None:
                out.add(offering.windows[0].id)
    return out


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["FAB_PASSWORD_HASH_METHOD"])


def demo_value(f: Any, n: int, who: dict[str, str]) -> Any:
    """A plausible value of field ``f`` for demo case ``n`` (the applicant's own where the form
    marks the field as theirs), so the demo's documents have their data to print."""
    part = f.get("applicant")
    if part == "name":
        return who["name"]
    options = f.get("options") or []
    by_type = {
        "textarea": "演示数据", "integer": max(int(f.get("min") or 0), 1), "decimal": "1",
        "money": "650.00", "date": "2026-01-01", "datetime": "2026-01-01T09:00:00",
        "choice": options[0] if options else None, "multichoice": options[:1], "yesno": False,
        "id_card": who["id_number"], "uscc": "91110000600037341L", "mobile": who["phone"],
        "landline": "0511-87280000", "email": "demo@example.cn", "postcode": "212400",
        "region": "321183", "address": f"句容市华阳镇人民路{n % 200 + 1}号", "upload": [],
        "table": [{c.name: demo_value(c, n, who) for c in f.columns}],
    }
    return by_type.get(f.type, "演示")


def demo_data(spec: Any, n: int, who: dict[str, str]) -> dict[str, Any]:
    return {f.name: demo_value(f, n, who) for f in spec.fields()}


DEMO_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
DEMO_GIVEN = ("建国", "秀英", "志强", "丽娟", "海燕", "俊杰", "晓明", "桂芳", "子涵", "国华")
DEMO_STATES = (CaseState.ACCEPTED, CaseState.ACCEPTED, CaseState.ACCEPTED, CaseState.COMPLETED,
               CaseState.COMPLETED, CaseState.PAUSED, CaseState.NOTICE_MISSING, CaseState.SUBMITTED)


class _Numbers:
    """Case numbers for bulk-seeded cases, from the sequences intake draws from: continued
    from where they stand, and left where the seeding ended (a case submitted afterwards takes
    the next number)."""

    def __init__(self, rule: Any) -> None:
        self.rule, self.values = rule, {}

    def next(self, subcenter: str, window: str, day: Any) -> str:
        scope = sequence_scope(self.rule, subcenter, day)
        if scope not in self.values:
            row = db.session.get(CaseSequence, scope)
            self.values[scope] = row.value if row is not None else 0
        self.values[scope] += 1
        return formatted(self.rule, subcenter, window, day, self.values[scope])

    def save(self) -> None:
        for scope, value in self.values.items():
            row = db.session.get(CaseSequence, scope)
            if row is None:
                db.session.add(CaseSequence(scope=scope, value=value))
            else:
                row.value = max(row.value, value)


def seed_cases(count: int, chunk: int = 10_000, states: tuple[str, ...] = DEMO_STATES) -> int:
    """Add ``count`` demo cases spread over every window's offered items. Returns the count.

    Accepted over the last nine weeks with their real due dates, steps, pauses and completions,
    so worklists, lights and reports have something true to show. Bulk inserts (one statement
    per chunk), so 200,000 cases take seconds; for demos and benchmarks, never for real data:
    real cases come from intake (and have their events). ``states``: the states to cycle
    through (the demo's mix by default, where a 即办件 never stays open).
    """

    version, site = current_version(db.session), current_site()
    if version is None or site is None:
        raise PortalError(N_("nothing is published yet"), hint=N_("run `portal sync` first"))
    calendar, now = calendar_of(site), servertime.now()
    slots = []
    for o, item_code, sub_code in db.session.execute(
            select(Offering, Item.code, SubCenter.code).join(Item).join(SubCenter)
            .where(Offering.active).order_by(Offering.id)):
        offering = site.subcenters[sub_code].offerings[item_code]
        if offering.guidance_only:
            continue  # 咨办类: guidance only, no case
        if offering.item_class == "代办类":
            continue  # taken here for another sub-center: agency cases (seed_agency_cases)
        declared = offering.item
        if declared.data.get("parallel"):
            continue  # a bundle's branches open at acceptance: those cases come from intake
        days = declared.promised_days if declared.case_type == "承诺件" else 0
        plan = {"steps": plain(declared.data.get("steps") or []),
                "legal_days": declared.data.get("legal_days"),
                "extension": plain(declared.data.get("extension")), "case_type": declared.case_type}
        spec = spec_of(o.form_version) if o.form_version is not None else None
        slots += [(o.item_id, o.sub_center_id, w.id, w.code, days, plan, o.form_version_id, spec, sub_code)
                  for w in o.windows]
    # each window's cases accepted by its clerks, else by the sub-center's manager (who may)
    staff: dict[tuple[str, int], list[str]] = {}
    for place, link, column in (("window", user_window, user_window.c.window_id),
                                ("sub", user_sub_center, user_sub_center.c.sub_center_id)):
        query = select(column, PortalUser.username).join(PortalUser, PortalUser.id == link.c.user_id)
        if place == "sub":
            query = query.where(PortalUser.roles.any(name=ROLE_NAMES[MANAGER]))
        for key, username in db.session.execute(query.order_by(PortalUser.username)):
            staff.setdefault((place, key), []).append(username)
    if not slots:
        raise PortalError(N_("no published offering has a window"), hint=N_("check the declarations"))
    start = db.session.scalar(select(func.count()).select_from(Case)) or 0
    numbers = _Numbers(site.center["case_number"])
    table = Case.__table__
    rows = []
    for n in range(start, start + count):
        item_id, sub_id, window_id, window_code, days, plan, form_version_id, spec, sub_code = \
            slots[n % len(slots)]
        name = DEMO_SURNAMES[n % len(DEMO_SURNAMES)] + DEMO_GIVEN[(n // 7) % len(DEMO_GIVEN)]
        born = f"321183{1960 + n % 40}0101{n % 1000:03d}"
        who = {"name": name, "id_number": born + ric.calc_check_digit(born + "0"),
               "phone": f"139{n % 100_000_000:08d}"}
        state = states[n % len(states)]
        if days == 0 and state in ("accepted", "paused") and states is DEMO_STATES:
            state = "completed"  # a 即办件 does not wait
        row = {
            "number": None, "item_id": item_id,
            "sub_center_id": sub_id, "window_id": window_id, "site_version_id": version.id,
            "applicant_name": name, "applicant_id_type": "居民身份证",
            "applicant_id_number": who["id_number"], "applicant_phone": who["phone"],
            "form_version_id": form_version_id,
            "data": demo_data(spec, n, who) if spec is not None else {},
            "state": state, "row_version": 1, "extended_days": 0,
            # one in four of each state filed in the public hall (网上申报), the others at the counter
            "channel": ONLINE if (n // len(states)) % 4 == 1 else COUNTER,
            **dict.fromkeys(("accepted_at", "accepted_by", "limit_days", "due_date", "plan", "step", "pauses",
                             "completed_at", "used_days", "on_time", "outcome", "legal_days")),
        }  # every row the same keys: one executemany
        if state in ("accepted", "paused", "completed"):
            # open cases mostly within their limit (some late), finished ones over nine weeks
            spread = 63 if state == "completed" else max(days * 2, 3)
            accepted = now - dt.timedelta(days=(n * 7) % spread, minutes=(n * 37) % 480)
            day, steps = local_day(site, accepted), plan["steps"]
            due = calendar.add_workdays(day, days)
            by = staff.get(("window", window_id)) or staff.get(("sub", sub_id)) or [None]
            row.update(accepted_at=accepted, accepted_by=by[n % len(by)],
                       limit_days=days, plan=plan, pauses=[],
                       legal_days=plan["legal_days"],
                       due_date=due, step=(n % (len(steps) - 1)) + 1 if len(steps) > 1 else None)
            if state == "paused":
                row.update(due_date=None, pauses=[[day.isoformat(), None]])
            elif state == "completed":
                used = min((n * 5) % (days + 3), calendar.between(day, local_day(site, now)))
                done = calendar.add_workdays(day, used)
                row.update(completed_at=dt.datetime.combine(done, dt.time(8), dt.UTC),
                           used_days=used, on_time=done <= due, outcome="approved", step=None)
        # numbered as intake numbers them (the center's pattern), on the day it was taken
        taken = local_day(site, row["accepted_at"]) if row["accepted_at"] else local_day(site, now)
        row["number"] = numbers.next(sub_code, window_code, taken)
        rows.append(row)
        if len(rows) >= chunk:
            db.session.execute(insert(table), rows)
            rows = []
    if rows:
        db.session.execute(insert(table), rows)
    numbers.save()
    db.session.commit()
    # planner statistics now: without them SQLite takes the two-valued state index for the
    # worklist and sorts every open case (133 ms instead of 0.3 ms over 200,000)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return count


# 代办: the stages the demo's agency cases stand at, each (stage, the case's state, pressed)
AGENCY_PLAN = (
    (AgencyStage.VILLAGE, CaseState.FORWARDING, False),
    (AgencyStage.TOWN, CaseState.FORWARDING, False),
    (AgencyStage.DELIVERED, CaseState.SUBMITTED, False),
    (AgencyStage.DELIVERED, CaseState.SUBMITTED, True),  # not accepted in time: pressed
    (AgencyStage.DELIVERED, CaseState.ACCEPTED, True),  # past its due date: pressed
    (AgencyStage.DELIVERED, CaseState.COMPLETED, False),  # decided, the result not back yet
    (AgencyStage.RETURNED, CaseState.COMPLETED, False),
    (AgencyStage.REPLIED, CaseState.COMPLETED, False),
    (AgencyStage.REPLIED, CaseState.REJECTED, False),
)


def seed_agency_cases() -> int:
    """Add the demo's 代办 cases (portal/cases/agency.py): for every 代办类 item of a town
    center, one case at each stage of ``AGENCY_PLAN`` — taken by the village points' 代办员 in
    turn (the last by the town's own counter), the older the further on — with the events their
    hand-overs, decisions, reminders and replies would have written, at those times. Needs the
    demo users (`portal demo-users`). Returns how many."""
    site, version = current_site(), current_version(db.session)
    if site is None or version is None:
        raise PortalError(N_("nothing is published yet"), hint=N_("run `portal sync` first"))
    calendar, now = calendar_of(site), servertime.now()
    numbers = _Numbers(site.center["case_number"])
    users = {u.username: u for u in db.session.scalars(select(PortalUser))}
    made = 0
    towns = select(SubCenter).where(SubCenter.active, SubCenter.kind == "town_center")
    for town in db.session.scalars(towns.order_by(SubCenter.code)):
        declared = site.subcenters.get(town.code)
        villages = db.session.scalars(select(Village).where(Village.sub_center_id == town.id, Village.active)
                                      .order_by(Village.code)).all()
        carriers = [(v, a.username) for v in villages for a in v.agents
                    if a.active and a.username in users and a.title == "便民服务代办员"]
        if declared is None or not carriers:
            continue
        for code in sorted(declared.offerings):
            deciding = agency.deciding_offering(db.session, site, town.code, code)
            if deciding is None:
                continue
            offered = site.subcenters[deciding.sub_center.code].offerings[code].item
            spec = spec_of(deciding.form_version)
            window = deciding.windows[0]
            home = deciding.sub_center.code
            clerk = next((u for u in (f"{home}-{window.code.lower()}-clerk", f"{home}-manager")
                          if u in users), "system")
            for k, (stage, state, pressed) in enumerate(AGENCY_PLAN):
                village, username = (None, f"{town.code}-clerk") if k == len(AGENCY_PLAN) - 1 \
                    else carriers[k % len(carriers)]
                if username not in users:
                    continue
                _agency_case(site, calendar, now, numbers, version.id, town, village, users[username],
                             deciding, offered, spec, window, clerk, stage, state, pressed, made)
                made += 1
    numbers.save()
    db.session.commit()
    return made


def _agency_case(site: Any, calendar: Any, now: dt.datetime, numbers: _Numbers, version_id: int,
                 town: SubCenter, village: Village | None, taker: PortalUser, deciding: Offering,
                 offered: Any, spec: Any, window: Any, clerk: str, stage: str, state: str,
                 pressed: bool, n: int) -> None:
    """One demo agency case at ``stage`` and ``state``, with its events at their times."""
    steps = list(AGENCY_PLAN).index(next(p for p in AGENCY_PLAN if p[0] == stage))
    days = offered.promised_days if offered.case_type == "承诺件" else 0
    # the further on, the older; a pressed one old enough for the window to be late with it
    taken = now - dt.timedelta(days=(2 * days + 14) if pressed else 2 + 2 * steps + n % 3, hours=n % 5)
    name = DEMO_SURNAMES[(n + 7) % len(DEMO_SURNAMES)] + DEMO_GIVEN[(n + 3) % len(DEMO_GIVEN)]
    born = f"321183{1940 + n % 20}0612{n % 1000:03d}"
    who = {"name": name, "id_number": born + ric.calc_check_digit(born + "0"),
           "phone": f"138{(n * 7919) % 100_000_000:08d}"}
    case = Case(number=numbers.next(deciding.sub_center.code, window.code, local_day(site, taken)),
                item_id=deciding.item_id, sub_center_id=deciding.sub_center_id, window_id=window.id,
                site_version_id=version_id, applicant_name=name, applicant_id_type="居民身份证",
                applicant_id_number=who["id_number"], applicant_phone=who["phone"],
                form_version_id=deciding.form_version_id, data=demo_data(spec, n, who), state=state,
                channel=AGENCY, extended_days=0)
    at_town = village is None
    carried = CaseAgency(sub_center_id=town.id, village_id=None if at_town else village.id,
                         taken_by=taker.username, taken_by_id=taker.id, stage=stage, taken_at=taken)
    case.agency = carried
    db.session.add(case)
    db.session.flush()
    events: list[tuple[dt.datetime, str, str, dict[str, Any]]] = [
        (taken, "submit", taker.username, {"form_version": case.form_version_id, "channel": AGENCY,
                                            "town": town.unified_name,
                                            **({} if at_town else {"village": village.name}),
                                            "received": [m["name"] for m in offered.data.get("materials", ())
                                                         if m.get("required", True)]})]
    moment = taken
    reached = [p[0] for p in AGENCY_PLAN]
    order = (AgencyStage.TOWN, AgencyStage.DELIVERED, AgencyStage.RETURNED, AgencyStage.REPLIED)
    town_clerk = f"{town.code}-clerk"
    if at_town:
        carried.to_town_at, carried.to_town_by = taken, taker.username
    for step in order:
        if reached.index(step) > reached.index(stage) or (step == AgencyStage.TOWN and at_town):
            continue
        moment = moment + dt.timedelta(hours=20)
        if step == AgencyStage.TOWN:
            carried.to_town_at, carried.to_town_by = moment, taker.username
            events.append((moment, "agency_to_town", taker.username,
                           {"handed_from": village.name, "handed_to": town.unified_name}))
        elif step == AgencyStage.DELIVERED:
            carried.delivered_at, carried.delivered_by = moment, town_clerk
            events.append((moment, "agency_deliver", town_clerk,
                           {"handed_from": town.unified_name, "handed_to": deciding.sub_center.unified_name,
                            "window": window.code}))
            moment = _decided(site, calendar, case, offered, days, clerk, moment, events)
            if pressed:
                reason = agency.OVERDUE if state == CaseState.ACCEPTED else agency.NOT_ACCEPTED
                carried.reminded_at, carried.reminded_by, carried.reminders = \
                    now - dt.timedelta(hours=3), taker.username, 1
                events.append((carried.reminded_at, "agency_remind", taker.username,
                               {"late": reason, "due": case.due_date.isoformat() if case.due_date else None,
                                "reminders": 1}))
        elif step == AgencyStage.RETURNED:
            carried.returned_at, carried.returned_by = moment, town_clerk if at_town else taker.username
            events.append((moment, "agency_returned", carried.returned_by,
                           {"handed_from": deciding.sub_center.unified_name, "decision": state,
                            **({"outcome": case.outcome} if case.outcome else {})}))
        elif step == AgencyStage.REPLIED:
            carried.replied_at, carried.replied_by = moment, carried.returned_by
            events.append((moment, "agency_reply", carried.replied_by, {"note": "结果已当面交给申请人"}))
    for at, kind, by, data in sorted(events, key=lambda e: e[0]):
        append(db.session, case, kind, by, data, at=at)


def _decided(site: Any, calendar: Any, case: Case, offered: Any, days: int, clerk: str,
             delivered: dt.datetime, events: list) -> dt.datetime:
    """The deciding window's part of a demo agency case: accepted the day after its delivery,
    completed or not accepted as its state says. Returns the moment of the window's last act."""
    if case.state in (CaseState.FORWARDING, CaseState.SUBMITTED):
        return delivered
    if case.state == CaseState.REJECTED:
        at = delivered + dt.timedelta(hours=20)
        events.append((at, "reject", clerk, {"reason": "申请人不符合条件：未满六十周岁"}))
        return at
    accepted = delivered + dt.timedelta(hours=20)
    day = local_day(site, accepted)
    due = calendar.add_workdays(day, days)
    steps = plain(offered.data.get("steps") or [])
    case.accepted_at, case.accepted_by, case.limit_days, case.due_date = accepted, clerk, days, due
    case.plan = {"steps": steps, "legal_days": offered.data.get("legal_days"),
                 "extension": plain(offered.data.get("extension")), "case_type": offered.case_type,
                 "parallel": []}
    case.step = 1 if len(steps) > 1 else None
    case.legal_days, case.pauses = offered.data.get("legal_days"), []
    events.append((accepted, "accept", clerk, {"limit_days": days, "due": due.isoformat(),
                                                "guessed_years": [], "branches": []}))
    if case.state != CaseState.COMPLETED:
        return accepted
    done = accepted + dt.timedelta(hours=2)
    used = calendar.used(day, local_day(site, done), [])
    case.completed_at, case.outcome, case.on_time, case.used_days, case.step = \
        done, "approved", local_day(site, done) <= due, used, None
    result = offered.data.get("result", {}).get("name", "")
    events.append((done, "complete", clerk, {"outcome": "approved", "result": result,
                                             "on_time": case.on_time, "used_days": used}))
    return done
