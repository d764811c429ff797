"""The three-level network's third level: a town center's village points (村级便民服务代办点),
their 代办员 (proxy agents), and where each 代办员 is now (当前去向).

Villages and agents are published entities like windows: materialised from the town center's
declaration (``villages:``), keeping their ids across publications (by village code and by
login), retired when no longer declared. The 当前去向 of an agent is not declared: the agent sets
it from a phone, and each change is kept (``AgentStatus``: the history; the newest row is the
current one).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.site import SubCenter, _Published


class Whereabouts(StrEnum):
    """当前去向: the one list of places a 代办员 may be, in the order the buttons show them."""

    ON_DUTY = "on_duty"  # 在岗: at the village's 代办点
    ERRAND = "errand"  # 外出代办: taking a villager's application to the town center
    VISITING = "visiting"  # 下村走访: visiting households
    MEETING = "meeting"  # 参加会议
    RESTING = "resting"  # 休息


WHEREABOUTS_NAMES = {
    Whereabouts.ON_DUTY: N_("On duty"),
    Whereabouts.ERRAND: N_("Out on an errand"),
    Whereabouts.VISITING: N_("Visiting households"),
    Whereabouts.MEETING: N_("In a meeting"),
    Whereabouts.RESTING: N_("Resting"),
}


class Village(_Published, Model):
    """A village point of a town center. Retired (``active = False``), never deleted."""

    __tablename__ = "village"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)

    sub_center: Mapped[SubCenter] = relationship()
    agents: Mapped[list[VillageAgent]] = relationship(back_populates="village",
                                                      order_by="VillageAgent.id")

    def __str__(self) -> str:
        return self.name


class VillageAgent(_Published, Model):
    """A 代办员 as declared: name, 职务, phone and the login bound to them (``username``, unique
    in the site). ``sub_center_id`` is the village's town center, kept here for the scope rule."""

    __tablename__ = "village_agent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    title: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str] = mapped_column(String(40), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)

    village: Mapped[Village] = relationship(back_populates="agents")
    sub_center: Mapped[SubCenter] = relationship()

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）"


class AgentStatus(Model):
    """One change of an agent's 当前去向: what, when (the server's clock) and by which login.
    The newest row of an agent is where they are now; the older ones are the history."""

    __tablename__ = "agent_status"
    __table_args__ = (Index("ix_agent_status_agent_at", "agent_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("village_agent.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    by: Mapped[str] = mapped_column(String(256), nullable=False)

    agent: Mapped[VillageAgent] = relationship()


# the village a 代办员's login is bound to (portal demo-users binds each declared agent's login)
user_village = Table(
    "user_village",
    Model.metadata,
    Column("user_id", ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("village_id", ForeignKey("village.id"), primary_key=True),
)
