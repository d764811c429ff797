"""Issued documents: numbered per sub-center, kind and year, stored once with their SHA-256."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import refuse_changes


class IssuedDocument(Model):
    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_issued_document_case_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    sub_center_id: Mapped[int] = mapped_column(ForeignKey("sub_center.id"), nullable=False)
    template: Mapped[str] = mapped_column(String(100), nullable=False)
    site_version_id: Mapped[int] = mapped_column(ForeignKey("site_version.id"), nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    issued_by: Mapped[str] = mapped_column(String(100), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


refuse_changes(IssuedDocument, lambda d: f"document {d.number}",
               "a document is issued once; a reprint returns the stored one")
