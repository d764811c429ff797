"""Published application-form versions: immutable, numbered per form and sub-center."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.errors import N_
from portal.models.base import JSONType, created_at, refuse_changes
from portal.models.site import SiteVersion

CENTER_SCOPE = ""  # the center's base form; otherwise the sub-center's code


class FormVersion(Model):
    """One published definition of a form as one sub-center uses it (base + its additions).

    Cases keep the id of the version they were filled against and always show, edit, print and
    export with it; a new version never changes an old case.
    """

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("code", "scope", "number"),
                      UniqueConstraint("code", "scope", "digest"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    scope: Mapped[str] = mapped_column(String(40), nullable=False)  # '' or a sub-center code
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    definition: Mapped[Any] = mapped_column(JSONType, nullable=False)
    site_version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = created_at()

    site_version: Mapped[SiteVersion] = relationship()

    def __str__(self) -> str:
        where = f" · {self.scope}" if self.scope else ""
        return f"{self.title} v{self.number}{where}"


refuse_changes(FormVersion, N_("form %(code)s version %(number)s cannot be changed or deleted"),
               lambda v: {"code": v.code, "number": v.number}, N_("publish a new version instead"))
