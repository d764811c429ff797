"""Appending case events with the server's time, and verifying the chain (`portal audit verify`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from portal.core import servertime
from portal.core.canonical import canonical_json
from portal.models import Case
from portal.models.events import GENESIS, AuditHead, CaseEvent


def _utc_text(at: dt.datetime) -> str:
    """One spelling of a time on both databases (SQLite gives it back without its zone)."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link(prev: str, seq: int, case_id: int, kind: str, at: dt.datetime, by: str,
         data: Mapping[str, Any]) -> str:
    body = canonical_json({"prev": prev, "seq": seq, "case": case_id, "kind": kind,
                           "at": _utc_text(at), "by": by, "data": dict(data)})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(session: Session, case: Case, kind: str, by: str,
           data: Mapping[str, Any] | None = None, at: dt.datetime | None = None) -> CaseEvent:
    """Record an event of ``case`` now (the server's clock), as the next link of the chain.

    Locks the chain's head until the caller commits: appends are one after the other.
    """
    # Lock the head by writing it: SELECT … FOR UPDATE is ignored on SQLite (two appends would
    # read the same head); an UPDATE takes SQLite's write lock and PostgreSQL's row lock alike.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
    session.refresh(head)
    at = at or servertime.now()  # ``at``: the same server moment the caller stores on the case
    data = dict(data or {})
    seq = head.seq + 1
    digest = link(head.hash, seq, case.id, kind, at, by, data)
    entry = CaseEvent(seq=seq, case_id=case.id, kind=kind, at=at, by=by, data=data,
                      prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    return entry


def edited(session: Session, case: Case, by: str, columns: Sequence[str]) -> CaseEvent | None:
    """Record what an edit of the case's own ``columns`` changed (``before → after``), if
    anything: call it after the new values are set, before the commit that writes them."""
    state = inspect(case)
    changes = {}
    for column in columns:
        history = state.attrs[column].history
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if history.has_changes() and before != after:
            changes[column] = f"{before or '—'} → {after or '—'}"
    if not changes:
        return None
    with session.no_autoflush:  # the case is written with the event, at the caller's commit
        return append(session, case, "edit", by, changes)


@dataclass(frozen=True)
class Finding:
    seq: int | None
    message: str

    def __str__(self) -> str:
        return f"event {self.seq}: {self.message}" if self.seq is not None else self.message


def verify(session: Session) -> tuple[int, list[Finding]]:
    """Walk the chain; report every event edited, deleted, inserted or moved."""
    findings: list[Finding] = []
    prev, expected, count = GENESIS, 1, 0
    for e in session.scalars(select(CaseEvent).order_by(CaseEvent.seq)).yield_per(5000):
        count += 1
        if e.seq != expected:
            findings.append(Finding(e.seq, f"events {expected}–{e.seq - 1} are missing"
                                    if e.seq > expected else "appears twice or out of order"))
        if e.prev_hash != prev:
            findings.append(Finding(e.seq, "does not follow the event before it (moved, or one was removed)"))
        if link(e.prev_hash, e.seq, e.case_id, e.kind, e.at, e.by, e.data) != e.hash:
            findings.append(Finding(e.seq, "was changed after it was recorded"))
        prev, expected = e.hash, e.seq + 1
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected - 1 or head.hash != prev:
        findings.append(Finding(None, f"the chain ends at event {expected - 1}, but event "
                                      f"{head.seq if head else '?'} was the last one recorded"))
    return count, findings
