"""Stored files kept in the database (``PORTAL_FILE_STORE=database``): portal/cases/files.py."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column


class StoredFile(Model):
    """A file by the SHA-256 of its bytes: written once, never changed."""

    __tablename__ = "stored_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
