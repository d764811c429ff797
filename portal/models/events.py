"""The case event log: appended, never changed, chained by SHA-256 (电子监察).

One chain runs through every event of the site, in the order of ``seq``. ``audit_head`` holds
the newest link; appending locks it, so concurrent clerks append one after the other and a
deleted last event is as visible as a deleted middle one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.errors import N_
from portal.models.base import JSONType, refuse_changes

GENESIS = "0" * 64  # the link before the first event


class CaseEvent(Model):
    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    data: Mapped[Any] = mapped_column(JSONType, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class AuditHead(Model):
    """The newest link of the chain: one row, locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


refuse_changes(CaseEvent, N_("case event %(seq)s cannot be changed or deleted"),
               lambda e: {"seq": e.seq}, N_("record a new event instead"))
