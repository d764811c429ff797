"""Appending case events with the server's time, and verifying the chains (`portal audit verify`).

Each event's link is an HMAC-SHA256, keyed with the portal's audit key (``PORTAL_AUDIT_KEY``,
kept outside the database), over the previous link and the event: someone who can write the
database but does not hold the key cannot make an edited chain verify again. Anchors — each
chain's count and newest link, written outside the database (``portal audit anchor``, at every
month's close; the monthly report prints their fingerprint) — make a truncated or rewritten
chain show even to someone who holds both: ``verify`` checks the chains against every anchor.

One chain per sub-center (``case_event.chain``: the case's sub-center id), each with its own
head row: an event locks its sub-center's head until its transaction commits, so the clerks of
different sub-centers never wait for each other. The events recorded before the chains were
split stay in chain 0, the center's, and verify as they were written.
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
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.core import servertime
from portal.core.canonical import canonical_json
from portal.core.errors import N_, PortalError
from portal.models import Case, SubCenter
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
         data: Mapping[str, Any], key: bytes | None = None, chain: int = 0) -> str:
    """The event's link: HMAC-SHA256 with the audit key over the previous link and the event
    (and its chain: an event moved to another sub-center's chain does not verify there)."""
    body = {"prev": prev, "seq": seq, "case": case_id, "kind": kind, "at": _utc_text(at), "by": by,
            "data": dict(data)}
    if chain:  # chain 0's links were written without it
        body["chain"] = chain
    return _mac(canonical_json(body), key)


def chain_of(case: Case) -> int:
    """The chain a case's events go into: its sub-center's."""
    return case.sub_center_id or 0


def _lock_head(session: Session, chain: int) -> AuditHead:
    """The chain's head, locked until the caller commits (made at the chain's first event).

    Locked by writing it: SELECT … FOR UPDATE is ignored on SQLite (two appends would read the
    same head); an UPDATE takes SQLite's write lock and PostgreSQL's row lock alike."""
    touch = update(AuditHead).where(AuditHead.chain == chain).values(seq=AuditHead.seq)
    if not session.execute(touch).rowcount:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # a second first event at the same moment waits on the key, then finds the head made
        session.execute(insert(AuditHead).values(chain=chain, seq=0, hash=GENESIS)
                        .on_conflict_do_nothing(index_elements=["chain"]))
        session.execute(touch)
    head = session.scalars(select(AuditHead).where(AuditHead.chain == chain)).one()
    session.refresh(head)
    return head


def unkeyed_link(prev: str, seq: int, case_id: int, kind: str, at: dt.datetime, by: str,
                 data: Mapping[str, Any]) -> str:
    """The link as chains before the audit key were written (plain SHA-256): ``rekey`` reads
    them once, checks them and links them again with the key."""
    body = canonical_json({"prev": prev, "seq": seq, "case": case_id, "kind": kind,
                           "at": _utc_text(at), "by": by, "data": dict(data)})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(session: Session, case: Case, kind: str, by: str,
           data: Mapping[str, Any] | None = None, at: dt.datetime | None = None) -> CaseEvent:
    """Record an event of ``case`` now (the server's clock), as the next link of its
    sub-center's chain.

    Locks that chain's head until the caller commits: a sub-center's appends are one after the
    other; other sub-centers' go on meanwhile.
    """
    chain = chain_of(case)
    head = _lock_head(session, chain)
    at = at or servertime.now()  # ``at``: the same server moment the caller stores on the case
    data = dict(data or {})
    seq = head.seq + 1
    digest = link(head.hash, seq, case.id, kind, at, by, data, chain=chain)
    entry = CaseEvent(chain=chain, seq=seq, case_id=case.id, kind=kind, at=at, by=by, data=data,
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
    chain: str = ""  # the sub-center's code ("" for chain 0, the center's)

    def __str__(self) -> str:
        where = f"chain {self.chain}, " if self.chain else ""
        return f"{where}event {self.seq}: {self.message}" if self.seq is not None else \
            f"{where}{self.message}" if where else self.message


@dataclass(frozen=True)
class Anchor:
    """A chain as it stood at ``at``: ``seq`` events, the newest link ``hash``; ``mac`` (with
    the audit key) shows the line was written by this portal and not edited since."""

    at: str
    seq: int
    hash: str
    mac: str = ""
    chain: int = 0

    def body(self) -> str:
        fields = {"at": self.at, "seq": self.seq, "hash": self.hash}
        if self.chain:  # chain 0's anchors were written without it
            fields["chain"] = self.chain
        return canonical_json(fields)

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def anchors(session: Session) -> list[Anchor]:
    """Every chain's head now, signed (chain 0 first, then by sub-center id)."""
    at = _utc_text(servertime.now())
    heads = session.scalars(select(AuditHead).order_by(AuditHead.chain)).all()
    made = []
    for head in heads or [AuditHead(chain=0, seq=0, hash=GENESIS)]:
        bare = Anchor(at, head.seq, head.hash, chain=head.chain)
        made.append(Anchor(bare.at, bare.seq, bare.hash, _mac(bare.body()), head.chain))
    return made


@dataclass(frozen=True)
class Fingerprint:
    """What a printed report shows of the event log: how many events, and one digest of every
    chain's newest link (a log from which an event was removed or rewritten no longer gives
    the same pair)."""

    count: int
    hash: str


def fingerprint(session: Session) -> Fingerprint:
    heads = session.execute(select(AuditHead.chain, AuditHead.seq, AuditHead.hash)
                            .order_by(AuditHead.chain)).all()
    text = "\n".join(f"{chain}:{seq}:{digest}" for chain, seq, digest in heads)
    return Fingerprint(sum(seq for _, seq, _ in heads), hashlib.sha256(text.encode()).hexdigest())


def write_anchor(session: Session, path: Path) -> list[Anchor]:
    """Append every chain's head now to ``path`` (one JSON line each; the file is only ever
    appended to)."""
    made = anchors(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(a.line() + "\n" for a in made))
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
    """Walk every chain; report every event edited, deleted, inserted or moved, and every anchor
    the chains no longer reach or no longer agree with (truncated or rewritten)."""
    codes = dict(session.execute(select(SubCenter.id, SubCenter.code)).all())
    findings: list[Finding] = []
    anchored: dict[int, dict[int, Anchor]] = {}
    for a in anchors:
        anchored.setdefault(a.chain, {})[a.seq] = a
    heads = {h.chain: h for h in session.scalars(select(AuditHead))}
    ends: dict[int, tuple[int, str]] = {}  # chain -> (last seq, its link)
    seen: dict[tuple[int, int], str] = {}
    count = 0
    chain, prev, expected = None, GENESIS, 1
    events = session.scalars(select(CaseEvent).order_by(CaseEvent.chain, CaseEvent.seq)).yield_per(5000)
    for e in events:
        if e.chain != chain:
            chain, prev, expected = e.chain, GENESIS, 1
        name = codes.get(chain, str(chain)) if chain else ""
        count += 1
        if e.seq != expected:
            findings.append(Finding(e.seq, f"events {expected}–{e.seq - 1} are missing"
                                    if e.seq > expected else "appears twice or out of order", name))
        if e.prev_hash != prev:
            findings.append(Finding(e.seq, "does not follow the event before it (moved, or one was "
                                           "removed)", name))
        if not hmac.compare_digest(link(e.prev_hash, e.seq, e.case_id, e.kind, e.at, e.by, e.data,
                                        chain=e.chain), e.hash):
            findings.append(Finding(e.seq, "was changed after it was recorded", name))
        if e.seq in anchored.get(chain, {}):
            seen[chain, e.seq] = e.hash
        prev, expected = e.hash, e.seq + 1
        ends[chain] = (e.seq, e.hash)
    for number in sorted(set(heads) | set(ends)):
        name = codes.get(number, str(number)) if number else ""
        last, digest = ends.get(number, (0, GENESIS))
        head = heads.get(number)
        if head is None or head.seq != last or head.hash != digest:
            findings.append(Finding(None, f"the chain ends at event {last}, but event "
                                          f"{head.seq if head else '?'} was the last one recorded", name))
    for number, by_seq in sorted(anchored.items()):
        name = codes.get(number, str(number)) if number else ""
        last = ends.get(number, (0, GENESIS))[0]
        for seq, a in sorted(by_seq.items()):
            if seq == 0:
                continue
            if seq > last:
                findings.append(Finding(None, f"the anchor of {a.at} saw {seq} events, the chain "
                                              f"ends at event {last}: events were removed", name))
            elif seen.get((number, seq)) != a.hash:
                findings.append(Finding(seq, f"is not the event anchored on {a.at}: the chain was "
                                             "rewritten", name))
    return count, findings


def rekey(session: Session) -> int:
    """Link a chain written before the audit key again, with the key — only when it verifies
    as it was written (plain SHA-256). Returns the number of events linked. (Chains were split
    by sub-center after the key came: only chain 0 can be from before it.)"""
    events = session.scalars(select(CaseEvent).where(CaseEvent.chain == 0).order_by(CaseEvent.seq)).all()
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
    session.execute(update(AuditHead).where(AuditHead.chain == 0).values(hash=prev))
    session.commit()
    session.expire_all()
    return len(events)
