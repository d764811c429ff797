"""办件: one application, from intake to completion."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.base import JSONType, created_at, updated_at
from portal.models.forms import FormVersion
from portal.models.site import Item, SiteVersion, SubCenter, Window

if TYPE_CHECKING:
    from portal.models.agency import CaseAgency


class CaseState(StrEnum):
    """The states of a case: the values of ``cases.state`` (a text column: a new state needs
    no migration, and every query, page and export compares against these)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NOTICE_MISSING = "notice_missing"  # 一次性告知: waiting for the missing materials
    PAUSED = "paused"  # the clock is stopped (补正, a special procedure)
    COMPLETED = "completed"
    # 代办在途: taken by a village point or a town center for this sub-center, still on its way
    # (portal/models/agency.py); submitted here when the materials are handed over
    FORWARDING = "forwarding"


# the states by name, as message ids (translated where they are shown)
STATE_NAMES = {
    CaseState.DRAFT: N_("Draft"),
    CaseState.SUBMITTED: N_("Submitted"),
    CaseState.ACCEPTED: N_("Accepted"),
    CaseState.REJECTED: N_("Not accepted"),
    CaseState.NOTICE_MISSING: N_("Missing materials notified"),
    CaseState.PAUSED: N_("Paused"),
    CaseState.COMPLETED: N_("Completed"),
    CaseState.FORWARDING: N_("In transit (agency)"),
}


OPEN_STATES = (CaseState.ACCEPTED, CaseState.PAUSED)  # an open case: accepted, not completed
# the partial indexes' condition, and (portal/cases/supervision.py IS_OPEN) the worklist's, which must
# repeat it literally for SQLite to use them
OPEN_SQL = "state IN ({})".format(", ".join(f"'{state}'" for state in OPEN_STATES))
EXTENSION_SQL = "extension_asked IS NOT NULL"
# cases waiting at the counter for a decision (portal/cases/supervision.py WAITING_STATES)
WAITING_SQL = "state IN ('submitted', 'notice_missing')"

# how an application reached the window: at the counter, or filled by the applicant in the
# public hall (网上申报), or taken by a village point or town center and carried here (代办); the
# window decides them alike
COUNTER, ONLINE, AGENCY = "窗口", "网上", "代办"
CHANNELS = (COUNTER, ONLINE, AGENCY)


class Case(Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 办件编号: given when the application is submitted; a draft has none yet (a draft that is
    # never submitted takes no number from the sequence)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), nullable=False, index=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id"), nullable=False)
    site_version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)
    applicant_name: Mapped[str] = mapped_column(String(200), nullable=False)
    applicant_id_type: Mapped[str] = mapped_column(String(20), nullable=False)
    applicant_id_number: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    applicant_phone: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20), nullable=False, default=COUNTER,
                                         server_default=COUNTER)
    # the form version the case was filled against, for good (docs/architecture.md: submissions
    # pin their form version)
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("form_version.id"), index=True)
    data: Mapped[Any] = mapped_column(JSONType, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=CaseState.DRAFT, index=True)
    # set by the server when a clerk accepts (受理), never typed (see portal/cases/lifecycle.py)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # who accepted it (受理人; the event log's "accept" entry says the same): the clerk the case,
    # its evaluations and its clock count for in the assessment by clerk
    accepted_by: Mapped[str | None] = mapped_column(String(100), index=True)
    limit_days: Mapped[int | None] = mapped_column(Integer)  # the promised limit, working days
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # None while the clock is stopped
    # the item's process as it stood at acceptance: {"steps": [...], "legal_days", "extension"}
    plan: Mapped[Any] = mapped_column(JSONType, nullable=True)
    step: Mapped[int | None] = mapped_column(Integer)  # position of the step now open in plan
    # clock stops (补正, special procedures): [[stopped day, restarted day or null], ...]
    pauses: Mapped[Any] = mapped_column(JSONType, nullable=True)
    extended_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    extension_asked: Mapped[int | None] = mapped_column(Integer)  # working days awaiting approval
    # both indexed: a month's report and assessment read that month's cases, not the table
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))  # approved / denied
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    used_days: Mapped[int | None] = mapped_column(Integer)  # working days used, pauses not counted
    legal_days: Mapped[int | None] = mapped_column(Integer)  # 法定时限 at acceptance (提速率)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
    # optimistic locking: a second save of a stale copy is refused, never overwrites
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    item: Mapped[Item] = relationship()
    sub_center: Mapped[SubCenter] = relationship()
    window: Mapped[Window] = relationship()
    site_version: Mapped[SiteVersion] = relationship()
    form_version: Mapped[FormVersion | None] = relationship()
    branches: Mapped[list[CaseBranch]] = relationship(back_populates="case",
                                                       order_by="CaseBranch.position")
    # 代办: the carrying of a case taken at a village point or a town center (none otherwise)
    agency: Mapped[CaseAgency | None] = relationship(back_populates="case", uselist=False)

    __mapper_args__ = {"version_id_col": row_version}
    # worklists: open cases by due date (paused ones have none, and come last), and their
    # light counts per sub-center and due date, each read in the order of a partial index; the
    # counts' index holds the window and the key too: a clerk's scope (their windows, or a
    # branch at their sub-center) is answered from it without reading the table
    __table_args__ = (
        # a clerk's cases newest first, and their capped count (1,001 of them), each read from the
        # end of their window's run of this index: on PostgreSQL the key's index was walked from
        # its end instead, past every other window's cases (1.7 ms → 0.15 at 100,000 cases);
        # SQLite's index on the window alone holds the key already
        Index("ix_cases_window_id", "window_id", "id"),
        Index("ix_cases_open_due", "due_date", "id", postgresql_where=text(OPEN_SQL),
              sqlite_where=text(OPEN_SQL)),
        Index("ix_cases_open_sub", "sub_center_id", "due_date", "window_id", "id",
              postgresql_where=text(OPEN_SQL),
              sqlite_where=text(OPEN_SQL)),
        # a clerk's: their window's open cases in due order, the page read from the index's
        # start (the planner walked every open case of the center in due order otherwise: 1 ms
        # of the clerk's worklist at 300,000 cases, against 0.08), and their counts from it alone
        Index("ix_cases_open_window", "window_id", "due_date", "id", "sub_center_id",
              postgresql_where=text(OPEN_SQL), sqlite_where=text(OPEN_SQL)),
        # the extensions waiting for a manager's approval (few among many): the managers' home
        Index("ix_cases_extension_asked", "due_date", "id", postgresql_where=text(EXTENSION_SQL),
              sqlite_where=text(EXTENSION_SQL)),
        # the cases waiting for the counter's decision (few among many), oldest first: a
        # clerk's by window, a manager's by sub-center
        Index("ix_cases_waiting_window", "window_id", "updated_at", "id",
              postgresql_where=text(WAITING_SQL), sqlite_where=text(WAITING_SQL)),
        Index("ix_cases_waiting_sub", "sub_center_id", "updated_at", "id",
              postgresql_where=text(WAITING_SQL), sqlite_where=text(WAITING_SQL)),
        # the search box (portal/cases/lookup.py): a number's or a name's first characters
        Index("ix_cases_number_prefix", "number", postgresql_ops={"number": "text_pattern_ops"}),
        Index("ix_cases_applicant_name", "applicant_name",
              postgresql_ops={"applicant_name": "text_pattern_ops"}),
    )

    def __str__(self) -> str:
        return self.number or f"#{self.id}"


class CaseSequence(Model):
    """The last sequence number given per sub-center and period (day or year)."""

    __tablename__ = "case_sequence"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)  # 'mz:20261123'
    value: Mapped[int] = mapped_column(Integer, nullable=False)


class CaseBranch(Model):
    """并联审批: one department's part of a bundle case, decided at its own sub-center."""

    __tablename__ = "case_branch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), nullable=False)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # order in the declaration
    limit_days: Mapped[int] = mapped_column(Integer, nullable=False)  # the branch's own limit
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="open")  # open/approved/denied
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    result: Mapped[str | None] = mapped_column(String(500))

    case: Mapped[Case] = relationship(back_populates="branches")
    item: Mapped[Item] = relationship()
    sub_center: Mapped[SubCenter] = relationship()

    def __str__(self) -> str:  # in a dropdown or a list: the case's part, by name
        return f"{self.case} · {self.item}（{self.sub_center}）"
