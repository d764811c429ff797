"""The records assessment scores come from, besides cases: evaluations (好差评), complaints and
inspections (巡查). Each belongs to a window of a sub-center (the unit that is assessed); the
scope rule shows them like cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.base import JSONType, created_at, refuse_changes
from portal.models.case import Case
from portal.models.site import Item, SubCenter, Window

# GB/T 39046-2020 A.8: the five levels of 好差评, best first
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
SATISFIED = LEVELS[:3]  # 满意率 counts these
CHANNELS = ("现场评价器", "政务服务网", "移动端", "短信", "电话回访", "12345热线")
COMPLAINT_OUTCOMES = ("待处理", "属实", "不属实")
INSPECTION_KINDS = ("考勤", "工作纪律", "服务规范")
# A choice among these is stored as text (String(20)); the screens offer exactly these
# (portal/web/cases/records.py). Not SQLAlchemy's Enum: FAB builds its search and edit fields for an
# Enum column with tuple choices, which WTForms 3.3 deprecates.


class Evaluation(Model):
    """好差评: an applicant's rating of a case, recorded from its channel, never by the clerk."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id"), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    # given by the applicant through the case's signed link (public hall, 办结通知书's QR):
    # once per case, which the partial unique index holds even against two tabs at once
    by_applicant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                               server_default=sql("false"))
    created_at: Mapped[dt.datetime] = created_at()

    case: Mapped[Case] = relationship()
    sub_center: Mapped[SubCenter] = relationship()
    window: Mapped[Window] = relationship()

    __table_args__ = (
        Index("ux_evaluation_applicant_case", "case_id", unique=True,
              postgresql_where=sql("by_applicant"), sqlite_where=sql("by_applicant")),
    )


class FollowUp(Model):
    """回访整改: the task a 不满意/非常不满意 rating opens for the sub-center's manager — call
    the applicant back, then record the rectification — due within the center's working days
    (center.yaml ``evaluations.follow_up_days``)."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), nullable=False, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id"), nullable=False, index=True)
    due_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    callback: Mapped[str | None] = mapped_column(Text)  # 回访: what the applicant said
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    called_by: Mapped[str | None] = mapped_column(String(100))
    rectification: Mapped[str | None] = mapped_column(Text)  # 整改: what was changed
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = created_at()

    evaluation: Mapped[Evaluation] = relationship()
    case: Mapped[Case] = relationship()
    sub_center: Mapped[SubCenter] = relationship()
    window: Mapped[Window] = relationship()

    # the open tasks (few among many), soonest due first: the managers' home and supervision
    __table_args__ = (
        Index("ix_follow_up_open", "sub_center_id", "due_date", "id",
              postgresql_where=sql("closed_at IS NULL"), sqlite_where=sql("closed_at IS NULL")),
    )


class Complaint(Model):
    """投诉: against a window (and a clerk, when named), with its handling and outcome.

    One filed by the public in the hall (网上投诉, channel 政务服务网) may be about a window, an
    item as the sub-center offers it, a case, or the sub-center as a whole: its sub-center is
    always known, its window only when named (or the case's). Such a complaint counts for its
    sub-center in the assessment, and for a window only when it names one. It carries the
    tracking number and phone the complainant looks it up by, and a public reply — what they
    are told — apart from the internal ``handling``."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    clerk: Mapped[str | None] = mapped_column(String(100))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    case_number: Mapped[str | None] = mapped_column(String(60))  # as the complainant typed it
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    handling: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="待处理")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = created_at()
    # filed in the public hall: looked up by tracking number and phone (portal/cases/messages.py)
    tracking_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    reply: Mapped[str | None] = mapped_column(Text)  # 答复: shown to the complainant
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    replied_by: Mapped[str | None] = mapped_column(String(100))

    sub_center: Mapped[SubCenter] = relationship()
    window: Mapped[Window | None] = relationship()
    item: Mapped[Item | None] = relationship()
    case: Mapped[Case | None] = relationship()


# a consultation's states, as stored and shown
OPEN, ANSWERED = "待答复", "已答复"
CONSULTATION_STATES = (OPEN, ANSWERED)


class Consultation(Model):
    """网上咨询: a question asked in the public hall about an item of a sub-center (or the
    sub-center in general). The sub-center's clerks and manager answer it; the answer is shown
    to whoever gives its tracking number and phone."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    question: Mapped[str] = mapped_column(Text, nullable=False)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(40), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=OPEN, server_default=OPEN)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    replied_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = created_at()

    sub_center: Mapped[SubCenter] = relationship()
    item: Mapped[Item | None] = relationship()

    # the open questions of a sub-center, oldest first: its queue and the manager's start page
    __table_args__ = (
        Index("ix_consultation_open", "sub_center_id", "created_at",
              postgresql_where=sql("state = '待答复'"), sqlite_where=sql("state = '待答复'")),
    )


class Inspection(Model):
    """巡查: one finding at a window (attendance, discipline, a service norm), with its deduction
    and evidence."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id"), nullable=False, index=True)
    clerk: Mapped[str | None] = mapped_column(String(100))
    inspected_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    norm: Mapped[str | None] = mapped_column(String(20))  # a service_norms code of center.yaml
    finding: Mapped[str] = mapped_column(Text, nullable=False)
    deduction: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = created_at()

    sub_center: Mapped[SubCenter] = relationship()
    window: Mapped[Window] = relationship()


class AssessmentResult(Model):
    """A closed period's scores, frozen with the rules that produced them. Never changed:
    recomputing makes a new, labelled result beside it."""

    __tablename__ = "assessment_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(10), nullable=False, index=True)  # '2026-11'
    # whose rules: '' the center's (统一考核), else the code of the sub-center whose internal
    # rules these are (they never enter the center's ranking)
    rule_set: Mapped[str] = mapped_column(String(40), nullable=False, default="", server_default="")
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    rules_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    site_version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)
    rules: Mapped[Any] = mapped_column(JSONType, nullable=False)
    results: Mapped[Any] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = created_at()


refuse_changes(AssessmentResult, N_("assessment result %(label)s cannot be changed or deleted"),
               lambda r: {"label": r.label}, N_("recompute: it makes a new, labelled result"))
