"""Issued documents: numbered per sub-center, kind and year, stored once with their SHA-256."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import servertime
from portal.core.errors import N_
from portal.models.base import JSONType, refuse_changes


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


refuse_changes(IssuedDocument, N_("document %(number)s cannot be changed or deleted"),
               lambda d: {"number": d.number},
               N_("a document is issued once; a reprint returns the stored one"))


class JobProgress:
    """What every background job records, read back by whoever watches it from any worker:
    how far it is, its state (queued, running, done, failed), what stopped it, who asked."""

    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    error: Mapped[str | None] = mapped_column(String(1000))
    requested_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # the job's last sign of life: its worker's heartbeat while it runs (portal/web/jobs.py),
    # and each step
    touched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # how many times a worker has started it (a retry, or a resumption after a dead worker)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    def step(self, done: int) -> None:
        self.done, self.touched_at = done, servertime.now()

    def fail(self, error: str, retry_at: dt.datetime | None = None) -> None:
        """Record what stopped the job: failed for good, or queued again for a retry due at
        ``retry_at`` (the error stays shown meanwhile; the job is not taken for a silent one
        before its retry is due)."""
        self.error = error[:1000]
        if retry_at is not None:
            self.state, self.touched_at = "queued", retry_at
        else:
            self.state, self.finished_at = "failed", servertime.now()

    def waiting_since(self, now: dt.datetime) -> dt.timedelta:
        """How long a queued job has waited for a worker."""
        return now - _aware(self.touched_at or self.created_at)

    def status(self) -> dict[str, Any]:
        """What the progress page polls."""
        return {"done": self.done, "total": self.total, "state": self.state, "error": self.error,
                "attempts": self.attempts}


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; the portal stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class PrintJob(JobProgress, Model):
    """A batch print (e.g. every certificate of the cases completed today), run in the
    background."""

    __tablename__ = "print_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)  # what was asked, in words
    case_ids: Mapped[Any] = mapped_column(JSONType, nullable=False)  # chosen when it was asked
    # what the worker needs besides: the address the QR codes carry
    params: Mapped[Any] = mapped_column(JSONType, nullable=True)


class ExportJob(JobProgress, Model):
    """A long export (an assessment workbook) made in the background for its requester, in
    their scope; the browser shows its progress and then hands over the file."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # 'assessment'
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    params: Mapped[Any] = mapped_column(JSONType, nullable=False)  # what was asked
    filename: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
