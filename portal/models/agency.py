"""代办: an application a village point's 代办员 (or a town center's counter) takes for a
department's sub-center, and carries there and back (申请 → 受理 → 办理 → 回复).

The case itself is the deciding sub-center's from the start (its item, sub-center and window,
its number); ``case_agency`` follows the carrying: where the materials are (``stage``), who
handed them over and when at each step, the last 催办 (reminder). One row per case. While the
materials are on their way (村 → 镇 → 分中心) the case is ``forwarding`` (在途), in nobody's
queue; the hand-over to the sub-center makes it ``submitted`` there, as a counter case.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.site import SubCenter
from portal.models.villages import Village

if TYPE_CHECKING:
    from portal.models.case import Case


class AgencyStage(StrEnum):
    """Where an agency case's materials are, in the order they travel."""

    VILLAGE = "village"  # 村受理: taken at the village point, still there
    TOWN = "town"  # 已转镇: at the town center (handed over by the village, or taken at its counter)
    DELIVERED = "delivered"  # 已送达分中心: handed to the deciding sub-center, submitted there
    RETURNED = "returned"  # 结果已返回: the decision is back with the carrier
    REPLIED = "replied"  # 已回复: given to the applicant; the agency has ended


STAGES = tuple(AgencyStage)
# an agency still under way: not yet replied to (the partial index's condition, written into the
# queries as it stands here: SQLite uses the index only for the same text)
UNDERWAY_SQL = "stage != 'replied'"
STAGE_NAMES = {
    AgencyStage.VILLAGE: N_("Taken at the village"),
    AgencyStage.TOWN: N_("Handed over to the town"),
    AgencyStage.DELIVERED: N_("At the deciding sub-center"),
    AgencyStage.RETURNED: N_("Result returned"),
    AgencyStage.REPLIED: N_("Replied to the applicant"),
}


class CaseAgency(Model):
    __tablename__ = "case_agency"
    # the supervision of the network (portal/cases/network.py, portal/assessment/network.py):
    # a month's hand-overs are read through the time indexes below, today's agencies under way
    # through this partial index (the replied, most of the table, are not in it)
    __table_args__ = (
        Index("ix_case_agency_underway", "sub_center_id", "village_id",
              postgresql_where=text(UNDERWAY_SQL), sqlite_where=text(UNDERWAY_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, unique=True)
    # the town center the agency runs through (named as the scope rule and the screens name a
    # record's sub-center); the village point (none: taken at the town's counter)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    # who took the application: the login (shown) and its account (the scope rule's key)
    taken_by: Mapped[str] = mapped_column(String(100), nullable=False)
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    stage: Mapped[str] = mapped_column(String(20), nullable=False, default=AgencyStage.VILLAGE)
    # each hand-over: when (the server's clock) and by whom; the event log says the same
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    to_town_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    to_town_by: Mapped[str | None] = mapped_column(String(100))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    delivered_by: Mapped[str | None] = mapped_column(String(100))
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    returned_by: Mapped[str | None] = mapped_column(String(100))
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    replied_by: Mapped[str | None] = mapped_column(String(100))
    # 催办: the latest reminder (the worklists mark the case), and how many there were
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    reminded_by: Mapped[str | None] = mapped_column(String(100))
    reminders: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    case: Mapped[Case] = relationship(back_populates="agency")
    sub_center: Mapped[SubCenter] = relationship()  # the town center
    village: Mapped[Village | None] = relationship()

    def __str__(self) -> str:
        return str(self.case) if self.case is not None else f"#{self.case_id}"
