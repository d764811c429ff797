"""Intake decisions on a submitted application: accept (受理), reject (不予受理), or a one-time
notice of every missing material (一次性告知); the same case continues when the applicant returns.

After acceptance the case goes through the item's declared steps (the first, 受理, is done by
accepting), each acted on by its role; the clock stops for 补正 and special procedures and
restarts; an extension within the item's declared allowance needs its approver; completion
records approved or denied, and on time or overdue.

Each decision is an event with the server's time (portal/cases/audit.py); the due date of an
accepted case is worked out by the working-day clock (portal/core/workdays.py) from the limit the
sub-center promises for the item, and stored with the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.roles import CLERK, MANAGER
from portal.access.scope import unscoped
from portal.cases.actions import APPROVED, DENIED, Actor, require, require_branch, steps_of
from portal.cases.audit import append
from portal.core import servertime
from portal.core.canonical import plain
from portal.core.errors import N_, PortalError
from portal.core.workdays import Calendar, Due, library_knows
from portal.models import Case, CaseBranch, CaseEvent, CaseState, Item, SubCenter
from portal.models.case import OPEN_STATES
from portal.site import Site
from portal.site.tables import needs_opinion

# 行政许可法 第45条 special procedures, and 补正: the time they take is not counted
PAUSE_KINDS = ("补正", "听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审")


_calendars: dict[str, Calendar] = {}


def calendar_of(site: Site) -> Calendar:
    """One calendar per published site (its holiday schedules), kept for the process."""
    calendar = _calendars.get(site.content_hash)
    if calendar is None:
        calendar = _calendars.setdefault(site.content_hash, Calendar.of_center(site.center))
    return calendar


def local_day(site: Site, at: dt.datetime) -> dt.date:
    """The center's calendar day of a moment."""
    return servertime.local_day(at, site.zone)


def offering_of(site: Site | None, case: Case) -> Any:
    """The offering a case is under in a published site; ``None`` once it is withdrawn."""
    sub = site.subcenters.get(case.sub_center.code) if site else None
    return sub.offerings.get(case.item.code) if sub else None


def _offering_item(site: Site, case: Case) -> Any:
    offering = offering_of(site, case)
    if offering is None:
        raise PortalError(N_("%(place)s no longer offers %(item)s"),
                          hint=N_("the item was withdrawn; ask the sub-center manager"),
                          place=case.sub_center.unified_name, item=case.item.name)
    return offering.item


def _days(pauses: Any) -> list[tuple[dt.date, dt.date | None]]:
    return [(dt.date.fromisoformat(a), dt.date.fromisoformat(b) if b else None)
            for a, b in pauses or ()]


def clock_of(site: Site, case: Case) -> Due:
    """The case's due date now: its limit plus approved extensions, pauses not counted."""
    assert case.accepted_at is not None and case.limit_days is not None
    return calendar_of(site).due(local_day(site, case.accepted_at), case.limit_days + case.extended_days,
                                 _days(case.pauses))


def step_dues(site: Site, case: Case) -> list[dt.date | None]:
    """When each step is due: its share of the limit, counted from acceptance (pauses not
    counted; an approved extension goes to the last step)."""
    steps, calendar = steps_of(case), calendar_of(site)
    if not steps or case.accepted_at is None:
        return []
    start, pauses, total, out = local_day(site, case.accepted_at), _days(case.pauses), 0, []
    for i, step in enumerate(steps):
        total += step["days"] + (case.extended_days if i == len(steps) - 1 else 0)
        out.append(calendar.due(start, total, pauses).day)
    return out


def accept(session: Session, site: Site, case: Case, actor: Actor) -> Case:
    """受理: the clock starts now; the due date follows from the sub-center's promised limit.

    The item's steps, legal limit and extension allowance are kept with the case as they are
    today: a later publication does not change the rules of a case under way.
    """
    require("accept", case, actor)
    item = _offering_item(site, case)
    now = servertime.now()
    days = item.promised_days if item.case_type == "承诺件" else 0  # 即办件: the same day
    due = calendar_of(site).due(local_day(site, now), days)
    steps = plain(item.data.get("steps") or [])
    case.state, case.accepted_at, case.limit_days, case.due_date = (CaseState.ACCEPTED, now, days,
                                                                    due.day)
    case.accepted_by = actor.name
    case.plan = {"steps": steps, "legal_days": item.data.get("legal_days"),
                 "extension": plain(item.data.get("extension")), "case_type": item.case_type}
    case.step = 1 if len(steps) > 1 else None  # accepting is the first step (受理)
    case.legal_days = item.data.get("legal_days")
    case.pauses, case.extended_days = [], 0
    branches = _open_branches(session, site, case, item, local_day(site, now))
    case.plan = {**case.plan, "parallel": branches}
    append(session, case, "accept", actor.name, {"limit_days": days, "due": due.day.isoformat(),
                                                 "guessed_years": list(due.guessed),
                                                 "branches": [b["name"] for b in branches]}, at=now)
    session.commit()
    return case


def _open_branches(session: Session, site: Site, case: Case, item: Any,
                   day: dt.date) -> list[dict[str, Any]]:
    """并联审批: one branch per declared item, at the sub-center that offers it, with that
    offering's own limit from the same acceptance day. Returns the plan's record of them."""
    plan = []
    for position, declared in enumerate(item.data.get("parallel") or ()):
        offering = site.subcenters[declared["subcenter"]].offerings[declared["item"]].item
        days = offering.promised_days if offering.case_type == "承诺件" else 0
        role = MANAGER if any(s["role"] == MANAGER for s in offering.data.get("steps") or ()) else CLERK
        with unscoped():  # the other departments are outside the clerk's scope, by design
            item_id = session.scalars(select(Item.id).where(Item.code == declared["item"])).one()
            sub_center_id = session.scalars(select(SubCenter.id).where(
                SubCenter.code == declared["subcenter"])).one()
        branch = CaseBranch(case_id=case.id, position=position, limit_days=days, state="open",
                            item_id=item_id, sub_center_id=sub_center_id,
                            due_date=calendar_of(site).due(day, days).day)
        session.add(branch)
        plan.append({"item": declared["item"], "subcenter": declared["subcenter"],
                     "name": offering.name, "days": days, "role": role})
    return plan


def decide_branch(session: Session, case: Case, actor: Actor, branch_id: int, approve: bool,
                  result: str) -> Case:
    """One department decides its branch of a bundle case, at its own sub-center."""
    branch = session.scalars(select(CaseBranch).where(CaseBranch.id == branch_id,
                                                      CaseBranch.case_id == case.id)).one_or_none()
    require_branch(case, actor, branch)
    declared = case.plan["parallel"][branch.position]
    if not approve and not result.strip():
        raise PortalError(N_("a denial needs its reason"), hint=N_("the applicant is told why"))
    now = servertime.now()
    branch.state = APPROVED if approve else DENIED
    branch.decided_at, branch.decided_by, branch.result = now, actor.name, result.strip()
    append(session, case, "branch", actor.name,
           {"branch": declared["name"], "outcome": branch.state, "result": result.strip()}, at=now)
    session.commit()
    return case


def reject(session: Session, case: Case, actor: Actor, reason: str) -> Case:
    """不予受理, with the reason the notice will print."""
    require("reject", case, actor)
    if not reason.strip():
        raise PortalError(N_("a rejection needs its reason"), hint=N_("the 不予受理通知书 prints it"))
    case.state = CaseState.REJECTED
    append(session, case, "reject", actor.name, {"reason": reason.strip()})
    session.commit()
    return case


def notice_missing(session: Session, site: Site, case: Case, actor: Actor, missing: Sequence[str],
                   note: str = "") -> Case:
    """一次性告知: every missing or defective material at once, from the item's declared list."""
    require("notice", case, actor)
    declared = [m["name"] for m in _offering_item(site, case).data.get("materials", ())]
    unknown = [m for m in missing if m not in declared]
    if unknown or not missing:
        raise PortalError(N_("choose the missing materials from the item's list") if not unknown
                          else N_("not a material of this item: %(names)s"),
                          hint=N_("the notice lists the item's declared materials"),
                          **({"names": "、".join(unknown)} if unknown else {}))
    case.state = CaseState.NOTICE_MISSING
    append(session, case, "notice_missing", actor.name,
           {"missing": [m for m in declared if m in missing], "note": note.strip()})
    session.commit()
    return case


def resubmit(session: Session, case: Case, actor: Actor) -> Case:
    """The applicant came back with the materials: the same case is up for a decision again."""
    require("resubmit", case, actor)
    case.state = CaseState.SUBMITTED
    append(session, case, "resubmit", actor.name)
    session.commit()
    return case


def advance(session: Session, case: Case, actor: Actor, opinion: str = "") -> Case:
    """The open step is done (审核 passed, 决定 made …): the next step opens."""
    require("advance", case, actor)
    step = steps_of(case)[case.step]
    if needs_opinion(step) and not opinion.strip():
        raise PortalError(N_("%(step)s needs a written opinion"),
                          hint=N_("it is kept in the case's log and shown to supervision"),
                          step=step["name"])
    append(session, case, "step", actor.name, {"step": step["name"], "opinion": opinion.strip()})
    case.step += 1
    session.commit()
    return case


def pause(session: Session, site: Site, case: Case, actor: Actor, kind: str, reason: str) -> Case:
    """The clock stops: 补正 (waiting for the applicant) or a special procedure (听证, 检测 …)."""
    require("pause", case, actor)
    if kind not in PAUSE_KINDS:
        raise PortalError(N_("%(kind)s does not stop the clock"), hint=N_("choose one of %(kinds)s"),
                          kind=kind, kinds="、".join(PAUSE_KINDS))
    if not reason.strip():
        raise PortalError(N_("stopping the clock needs its reason"), hint=N_("it is shown to supervision"))
    now = servertime.now()
    case.pauses = [*(case.pauses or []), [local_day(site, now).isoformat(), None]]
    case.state, case.due_date = CaseState.PAUSED, None
    append(session, case, "pause", actor.name, {"kind": kind, "reason": reason.strip()}, at=now)
    session.commit()
    return case


def restart(session: Session, site: Site, case: Case, actor: Actor) -> Case:
    """The clock runs again; the working days it stood still move the due date."""
    require("restart", case, actor)
    now = servertime.now()
    *done, (stopped, _) = case.pauses
    case.pauses = [*done, [stopped, local_day(site, now).isoformat()]]
    due = clock_of(site, case)
    case.state, case.due_date = CaseState.ACCEPTED, due.day
    for branch in case.branches:  # the stop held every branch as well
        branch.due_date = calendar_of(site).due(local_day(site, case.accepted_at), branch.limit_days,
                                                _days(case.pauses)).day
    stood = calendar_of(site).between(dt.date.fromisoformat(stopped), local_day(site, now))
    append(session, case, "restart", actor.name,
           {"paused_days": stood, "due": due.day.isoformat() if due.day else None,
            "guessed_years": list(due.guessed)}, at=now)
    session.commit()
    return case


def ask_extension(session: Session, case: Case, actor: Actor, days: int, reason: str) -> Case:
    """延长: ask for more working days, within what the item allows; the approver decides."""
    require("extend", case, actor)
    allowance = case.plan["extension"]
    left = allowance["days"] - case.extended_days
    if not 1 <= days <= left:
        raise PortalError(N_("an extension of %(days)s working days is not allowed: %(left)s of "
                             "%(allowed)s are left"), hint=N_("ask for fewer days"),
                          days=days, left=left, allowed=allowance["days"])
    if not reason.strip():
        raise PortalError(N_("an extension needs its reason"), hint=N_("the approver reads it"))
    case.extension_asked = days
    append(session, case, "extension_asked", actor.name, {"days": days, "reason": reason.strip()})
    session.commit()
    return case


def decide_extension(session: Session, site: Site, case: Case, actor: Actor, approve: bool,
                     note: str = "") -> Case:
    """The approver grants or refuses the extension asked for; never the one who asked."""
    require("approve_extension" if approve else "refuse_extension", case, actor)
    asked = session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "extension_asked")
        .order_by(CaseEvent.seq.desc()).limit(1)).one()
    if asked.by == actor.name:
        raise PortalError(N_("who asked for an extension cannot approve it"),
                          hint=N_("another approver decides"))
    days, case.extension_asked = case.extension_asked, None
    if approve:
        case.extended_days += days
        due = clock_of(site, case)
        case.due_date = due.day
        append(session, case, "extension_approved", actor.name,
               {"days": days, "due": due.day.isoformat() if due.day else None, "note": note.strip()})
    else:
        append(session, case, "extension_refused", actor.name, {"days": days, "note": note.strip()})
    session.commit()
    return case


def complete(session: Session, site: Site, case: Case, actor: Actor, outcome: str,
             result: str) -> Case:
    """办结: approved or denied, with the result; the case records on time or overdue."""
    require("complete", case, actor)
    if outcome not in (APPROVED, DENIED):
        raise PortalError(N_("%(outcome)s is not an outcome"), hint=N_("approved or denied"),
                          outcome=outcome)
    if outcome == DENIED and not result.strip():
        raise PortalError(N_("a denial needs its reason"), hint=N_("the 办结通知书 prints it"))
    now = servertime.now()
    today = local_day(site, now)
    used = calendar_of(site).used(local_day(site, case.accepted_at), today, _days(case.pauses))
    on_time = case.due_date is not None and today <= case.due_date
    case.state, case.completed_at, case.outcome = CaseState.COMPLETED, now, outcome
    case.on_time, case.used_days, case.step = on_time, used, None
    append(session, case, "complete", actor.name,
           {"outcome": outcome, "result": result.strip(), "on_time": on_time, "used_days": used},
           at=now)
    session.commit()
    return case


def guessed_years(site: Site, case: Case) -> tuple[int, ...]:
    """The years an open case's due date was counted Monday–Friday for: neither chinese-calendar
    nor the center's declared schedules know them yet (shown wherever the due date is)."""
    if case.accepted_at is None or case.due_date is None or case.state not in OPEN_STATES:
        return ()
    return calendar_of(site).guessed(local_day(site, case.accepted_at), case.due_date)


def changed_years(before: Site | None, after: Site) -> set[int]:
    """Years whose working days a new publication counts differently: a schedule declared,
    changed or withdrawn for a year chinese-calendar does not know."""
    if before is None:
        return set()
    old, new = calendar_of(before), calendar_of(after)
    return {y for y in old.schedules.keys() | new.schedules.keys()
            if old.schedules.get(y) != new.schedules.get(y) and not library_knows(y)}


def rebase_due_dates(session: Session, before: Site | None, after: Site, by: str) -> list[Case]:
    """After a publication that changed a year's schedule: every open case whose time runs
    into such a year gets its due date worked out again; each one moved records from what to
    what (``due_moved``). Returns the moved cases; the caller commits."""
    years = changed_years(before, after)
    if not years:
        return []
    first = dt.date(min(years), 1, 1)
    moved = []
    with unscoped():  # every sub-center's cases: the calendar is the center's
        cases = session.scalars(select(Case).where(Case.state == CaseState.ACCEPTED,
                                                   Case.due_date >= first).order_by(Case.id)).all()
    for case in cases:
        due = clock_of(after, case)
        if due.day == case.due_date:
            continue
        append(session, case, "due_moved", by, {"from": case.due_date.isoformat(),
                                                "due": due.day.isoformat() if due.day else None,
                                                "years": sorted(years),
                                                "guessed_years": list(due.guessed)})
        case.due_date = due.day
        for branch in case.branches:
            branch.due_date = calendar_of(after).due(local_day(after, case.accepted_at),
                                                     branch.limit_days, _days(case.pauses)).day
        moved.append(case)
    return moved
