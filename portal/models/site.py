"""Published declarations: immutable versions, and the current entities they define."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.base import JSONType, created_at, refuse_changes


class SiteVersion(Model):
    """One published state of the declaration folder. Never edited after insert."""

    __tablename__ = "site_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    documents: Mapped[Any] = mapped_column(JSONType, nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # cli | browser
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = created_at()

    def __repr__(self) -> str:
        return f"<SiteVersion {self.number} {self.content_hash[:12]}>"

    def __str__(self) -> str:
        return f"v{self.number} · {self.content_hash[:12]}"


refuse_changes(SiteVersion, N_("published version %(number)s cannot be changed or deleted"),
               lambda v: {"number": v.number}, N_("publish a new version instead"))


class SitePublication(Model):
    """The moment a version became current. The newest publication names the current version."""

    __tablename__ = "site_publication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)
    published_by: Mapped[str] = mapped_column(String(100), nullable=False)
    published_at: Mapped[dt.datetime] = created_at()
    # what the publication did beyond its version: the browser work a forced sync dropped
    note: Mapped[str | None] = mapped_column(Text)

    version: Mapped[SiteVersion] = relationship()


class _Published:
    """Columns shared by entities materialised from the current version."""

    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    data: Mapped[Any] = mapped_column(JSONType, nullable=False)


class Center(_Published, Model):
    __tablename__ = "center"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    city: Mapped[str] = mapped_column(String(50), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)


class SubCenter(_Published, Model):
    """分中心 or 便民服务中心. Rows are retired (``active = False``), never deleted: cases keep them."""

    __tablename__ = "sub_center"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    unified_name: Mapped[str] = mapped_column(String(100), nullable=False)
    department: Mapped[str] = mapped_column(String(100), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False)
    phone: Mapped[str] = mapped_column(String(40), nullable=False)
    hours: Mapped[str] = mapped_column(Text, nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)

    windows: Mapped[list[Window]] = relationship(back_populates="sub_center",
                                                   order_by="Window.code")

    # what ``__str__`` reads: a list naming the record in a cell loads no more of it
    named_by = ("unified_name",)

    def __str__(self) -> str:
        return self.unified_name


class Window(_Published, Model):
    __tablename__ = "window"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    department: Mapped[str] = mapped_column(String(100), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)

    sub_center: Mapped[SubCenter] = relationship(back_populates="windows")

    named_by = ("code", "name")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Item(_Published, Model):
    """An item of the center's catalog (the center's layer)."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    type_code: Mapped[str] = mapped_column(String(2), nullable=False)
    case_type: Mapped[str] = mapped_column(String(10), nullable=False)
    legal_days: Mapped[int] = mapped_column(Integer, nullable=False)
    promised_days: Mapped[int] = mapped_column(Integer, nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)

    named_by = ("name",)

    def __str__(self) -> str:
        return self.name


offering_window = Table(
    "offering_window",
    Model.metadata,
    Column("offering_id", ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    Column("window_id", ForeignKey("window.id"), primary_key=True),
)


class Offering(Model):
    """An item as one sub-center offers it: the center's layer (``item.data``) with the
    sub-center's ``overlay`` on top; ``promised_days`` is the effective limit."""

    __tablename__ = "offering"
    __table_args__ = (UniqueConstraint("sub_center_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), nullable=False, index=True)
    promised_days: Mapped[int] = mapped_column(Integer, nullable=False)
    overlay: Mapped[Any] = mapped_column(JSONType, nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)
    # the form version clerks fill for this offering now (None: the item has no form)
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("form_version.id"))

    sub_center: Mapped[SubCenter] = relationship()
    item: Mapped[Item] = relationship()
    windows: Mapped[list[Window]] = relationship(secondary=offering_window, order_by="Window.code")
    form_version: Mapped[Any] = relationship("FormVersion")

    def __str__(self) -> str:
        return f"{self.item} · {self.sub_center}"
