"""The case event log: appended, never changed, chained by SHA-256 (电子监察).

One chain per sub-center (``chain``: its id; 0 holds the events from before the chains were
split), each in the order of its ``seq``. ``audit_head`` holds each chain's newest link;
appending locks that row, so a sub-center's clerks append one after the other (a deleted last
event is as visible as a deleted middle one) while other sub-centers' clerks do not wait.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.errors import N_
from portal.models.base import JSONType, refuse_changes

GENESIS = "0" * 64  # the link before the first event
# the partial index of the reminders (催办), written into the queries as it stands here
REMIND_SQL = "kind = 'agency_remind'"


class CaseEvent(Model):
    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("chain", "seq", name="uq_case_event_chain_seq"),
        # the 催办 of a month (the network's supervision): a few among every case's events
        Index("ix_case_event_agency_remind", "at", postgresql_where=text(REMIND_SQL),
              sqlite_where=text(REMIND_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the chain: the case's sub-center id (0: the center's chain, from before the split)
    chain: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    data: Mapped[Any] = mapped_column(JSONType, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class AuditHead(Model):
    """The newest link of a chain: one row per chain, locked by each append to it."""

    __tablename__ = "audit_head"
    __table_args__ = (UniqueConstraint("chain", name="uq_audit_head_chain"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


refuse_changes(CaseEvent, N_("case event %(seq)s cannot be changed or deleted"),
               lambda e: {"seq": e.seq}, N_("record a new event instead"))
