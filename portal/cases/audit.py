"""Appending case events with the server's time, and verifying the chain (`portal audit verify`).

Each event's link is an HMAC-SHA256, keyed with the portal's audit key (``PORTAL_AUDIT_KEY``,
kept outside the database), over the previous link and the event: someone who can write the
database but does not hold the key cannot make an edited chain verify again. Anchors — the
count and the newest link, written outside the database (``portal audit anchor``, at every
month's close, on the monthly report) — make a truncated or rewritten chain show even to
someone who holds both: ``verify`` checks the chain against every anchor it is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from portal.core import servertime
from portal.core.canonical import canonical_json
from portal.core.errors import N_, PortalError
from portal.models import Case
from portal.models.events import GENESIS, AuditHead, CaseEvent


def _utc_text(at: dt.datetime) -> str:
    """One spelling of a time on both databases (SQLite gives it back without its zone)."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _no_key() -> str | None:
    return None


_key: Callable[[], str | bytes | None] = _no_key


def use_key(provider: Callable[[], str | bytes | None]) -> None:
    """Install where the audit key comes from (the app: its ``PORTAL_AUDIT_KEY``, asked each
    time, so that each app signs with its own)."""
    global _key
    _key = provider


def _mac(body: str, key: bytes | None = None) -> str:
    if key is None:
        given = _key()
        key = given.encode("utf-8") if isinstance(given, str) else given
    if not key:
        raise PortalError(N_("no audit key is configured"),
                          hint=N_("set PORTAL_AUDIT_KEY (the app sets one up in instance/audit_key)"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def link(prev: str, seq: int, case_id: int, kind: str, at: dt.datetime, by: str,
         data: Mapping[str, Any], key: bytes | None = None) -> str:
    """The event's link: HMAC-SHA256 with the audit key over the previous link and the event."""
    body = canonical_json({"prev": prev, "seq": seq, "case": case_id, "kind": kind,
                           "at": _utc_text(at), "by": by, "data": dict(data)})
    return _mac(body, key)


def unkeyed_link(prev: str, seq: int, case_id: int, kind: str, at: dt.datetime, by: str,
                 data: Mapping[str, Any]) -> str:
    """The link as chains before the audit key were written (plain SHA-256): ``rekey`` reads
    them once, checks them and links them again with the key."""
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


@dataclass(frozen=True)
class Anchor:
    """The chain as it stood at ``at``: ``seq`` events, the newest link ``hash``; ``mac`` (with
    the audit key) shows the line was written by this portal and not edited since."""

    at: str
    seq: int
    hash: str
    mac: str = ""

    def body(self) -> str:
        return canonical_json({"at": self.at, "seq": self.seq, "hash": self.hash})

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def anchor(session: Session) -> Anchor:
    """The chain's head now, signed."""
    head = session.get(AuditHead, 1)
    seq, digest = (head.seq, head.hash) if head is not None else (0, GENESIS)
    bare = Anchor(_utc_text(servertime.now()), seq, digest)
    return Anchor(bare.at, bare.seq, bare.hash, _mac(bare.body()))


def write_anchor(session: Session, path: Path) -> Anchor:
    """Append the head now to ``path`` (one JSON line; the file is only ever appended to)."""
    made = anchor(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(made.line() + "\n")
        handle.flush()
    return made


def read_anchors(path: Path) -> tuple[list[Anchor], list[Finding]]:
    """The anchors of a file; a line that is not one, or not signed with the key, is a finding."""
    anchors, findings = [], []
    if not path.is_file():
        return [], []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            a = Anchor(**json.loads(text))
        except (ValueError, TypeError):
            findings.append(Finding(None, f"{path.name} line {number} is not an anchor"))
            continue
        if not hmac.compare_digest(_mac(a.body()), a.mac):
            findings.append(Finding(None, f"{path.name} line {number} was not written with this "
                                          "portal's audit key (or was edited)"))
            continue
        anchors.append(a)
    return anchors, findings


def verify(session: Session, anchors: Iterable[Anchor] = ()) -> tuple[int, list[Finding]]:
    """Walk the chain; report every event edited, deleted, inserted or moved, and every anchor
    the chain no longer reaches or no longer agrees with (truncated or rewritten)."""
    findings: list[Finding] = []
    anchored = {a.seq: a for a in anchors}
    seen: dict[int, str] = {}
    prev, expected, count = GENESIS, 1, 0
    for e in session.scalars(select(CaseEvent).order_by(CaseEvent.seq)).yield_per(5000):
        count += 1
        if e.seq != expected:
            findings.append(Finding(e.seq, f"events {expected}–{e.seq - 1} are missing"
                                    if e.seq > expected else "appears twice or out of order"))
        if e.prev_hash != prev:
            findings.append(Finding(e.seq, "does not follow the event before it (moved, or one was removed)"))
        if not hmac.compare_digest(link(e.prev_hash, e.seq, e.case_id, e.kind, e.at, e.by, e.data), e.hash):
            findings.append(Finding(e.seq, "was changed after it was recorded"))
        if e.seq in anchored:
            seen[e.seq] = e.hash
        prev, expected = e.hash, e.seq + 1
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected - 1 or head.hash != prev:
        findings.append(Finding(None, f"the chain ends at event {expected - 1}, but event "
                                      f"{head.seq if head else '?'} was the last one recorded"))
    last = expected - 1
    for seq, a in sorted(anchored.items()):
        if seq == 0:
            continue
        if seq > last:
            findings.append(Finding(None, f"the anchor of {a.at} saw {seq} events, the chain ends "
                                          f"at event {last}: events were removed"))
        elif seen.get(seq) != a.hash:
            findings.append(Finding(seq, f"is not the event anchored on {a.at}: the chain was "
                                         "rewritten"))
    return count, findings


def rekey(session: Session) -> int:
    """Link a chain written before the audit key again, with the key — only when it verifies
    as it was written (plain SHA-256). Returns the number of events linked."""
    events = session.scalars(select(CaseEvent).order_by(CaseEvent.seq)).all()
    prev = GENESIS
    for e in events:
        if e.prev_hash != prev or unkeyed_link(e.prev_hash, e.seq, e.case_id, e.kind, e.at, e.by,
                                               e.data) != e.hash:
            raise PortalError(N_("event %(seq)s does not verify as written before the audit key"),
                              hint=N_("the chain was changed, or is already keyed: run `portal audit "
                                      "verify`"), seq=e.seq)
        prev = e.hash
    table, prev = CaseEvent.__table__, GENESIS
    for e in events:
        digest = link(prev, e.seq, e.case_id, e.kind, e.at, e.by, e.data)
        session.execute(update(table).where(table.c.id == e.id).values(prev_hash=prev, hash=digest))
        prev = digest
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    session.commit()
    session.expire_all()
    return len(events)
