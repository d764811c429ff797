"""十个有: the center's checklist inspection of a town center (便民服务中心) against the
building standard the center declares (center.yaml ``town_standard``).

An inspection records, for every item of the standard as it stood that day, 有 (present) or
缺 (missing); each 缺 is a finding, with its evidence (photos and/or a note). The inspector and
the time are the server's. Both rows are written once and never changed: a town center that
puts a missing item right is inspected again, and the newer inspection is what counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.base import JSONType, created_at, refuse_changes
from portal.models.site import SubCenter


class TownInspection(Model):
    """十个有检查: one inspection of a town center, by center staff, on a day."""

    __tablename__ = "town_inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False)
    inspected_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the center's day, by the server
    checked: Mapped[int] = mapped_column(Integer, nullable=False)  # items of the standard checked
    missing: Mapped[int] = mapped_column(Integer, nullable=False)  # of them 缺 (the findings)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = created_at()

    sub_center: Mapped[SubCenter] = relationship()
    items: Mapped[list[TownInspectionItem]] = relationship(
        back_populates="town_inspection", order_by="TownInspectionItem.position")

    # a town center's inspections by day: its latest of a month (the metric), its home page
    __table_args__ = (Index("ix_town_inspection_sub_day", "sub_center_id", "inspected_on", "id"),)

    def __str__(self) -> str:  # in a list or a dropdown: the town and the day
        return f"{self.sub_center.name} {self.inspected_on}"

    @property
    def result(self) -> str:
        """有 8/10, as the screens show it."""
        return f"{self.checked - self.missing}/{self.checked}"


class TownInspectionItem(Model):
    """One item of the standard at one inspection: 有 or 缺 (a finding), with its evidence. The
    item's code, name and text are kept as they were checked."""

    __tablename__ = "town_inspection_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("town_inspection.id"), nullable=False, index=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    present: Mapped[bool] = mapped_column(Boolean, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)  # what was found missing, in words
    # photos: what the file store keeps of each ({name, sha256, size, type}), as a case keeps
    # its materials
    photos: Mapped[Any] = mapped_column(JSONType, nullable=False, default=list)

    # named as its table: FAB's REST joins a related record under the relationship's name, and
    # the scope criterion names the table (so sub_center works; "inspection" would be the alias
    # of another table, the window inspections')
    town_inspection: Mapped[TownInspection] = relationship(back_populates="items")
    sub_center: Mapped[SubCenter] = relationship()

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


for _model in (TownInspection, TownInspectionItem):
    refuse_changes(_model, N_("a 十个有 inspection cannot be changed or deleted"), lambda r: {},
                   N_("inspect the town center again: the newer inspection counts"))
