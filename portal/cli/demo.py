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
from portal.cases.intake import spec_of
from portal.cases.lifecycle import calendar_of, local_day
from portal.cases.numbering import formatted, sequence_scope
from portal.core import servertime
from portal.core.canonical import plain
from portal.core.errors import N_, PortalError
from portal.models import (
    Case,
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
from portal.models.case import COUNTER, ONLINE
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
