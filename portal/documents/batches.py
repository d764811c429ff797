"""Batch printing: every document of one kind for a day's cases, as a background job.

The cases are chosen when the job is asked for — through the asker's scope, so a clerk's batch
holds their windows' cases only — and frozen in the job. The job then issues each document
(a reprint when it was issued already: the same stored file) and records its progress in the
database, where the CLI's progress bar and the browser's progress display read it.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.scope import owned_cases
from portal.cases.actions import Actor
from portal.core import servertime
from portal.core.errors import N_, PortalError
from portal.documents.issuing import KINDS, issue
from portal.models import Case, IssuedDocument, PrintJob
from portal.site import Site

# kind -> (the moment that puts a case in the day, extra condition, words)
BATCHES = {
    "certificate": (Case.completed_at, Case.outcome == "approved", "办结（准予）"),
    "completion": (Case.completed_at, Case.state == "completed", "办结"),
    "acceptance": (Case.accepted_at, Case.accepted_at.is_not(None), "受理"),
}


def day_bounds(day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def create(session: Session, kind: str, day: dt.date, zone: ZoneInfo, actor: Actor,
           sub_center_id: int | None = None, public_url: str | None = None) -> PrintJob:
    """A job for every ``kind`` document of the cases of ``day`` the user may print: those
    taken at their sub-centers or windows (not bundle cases they see through a branch)."""
    if kind not in BATCHES:
        raise PortalError(N_("%(kind)s is not printed in batches"),
                          hint=N_("certificate, completion or acceptance"), kind=kind)
    moment, condition, words = BATCHES[kind]
    start, end = day_bounds(day, zone)
    query = select(Case.id).where(moment >= start, moment < end, condition,
                                  owned_cases()).order_by(Case.id)
    if sub_center_id is not None:
        query = query.where(Case.sub_center_id == sub_center_id)
    ids = list(session.scalars(query))
    title = KINDS[kind].title or "结果证照"
    job = PrintJob(kind=kind, label=f"{day.isoformat()} {words}的{title}", case_ids=ids,
                   total=len(ids), requested_by=actor.name, created_at=servertime.now(),
                   params={"public_url": public_url} if public_url else None)
    session.add(job)
    session.commit()
    return job


def run(session: Session, site: Site, job_id: int, actor: Actor, verify_url: Callable[[str], str],
        secret: str, progress: Callable[[int, int], None] | None = None,
        rate_url: Callable[[str], str] | None = None) -> PrintJob:
    """Issue the job's documents one by one from where it stopped (``job.done``: a retried or
    resumed job goes on after its last finished document), saving the progress after each. What
    stops it is raised; whoever runs it records that on the job (``JobProgress.fail``)."""
    job = session.get(PrintJob, job_id)
    job.state = "running"
    job.step(job.done)
    session.commit()
    for case_id in job.case_ids[job.done:]:
        # a document this job issued before its step was saved (the worker died in between)
        # is not issued again, nor logged as a reprint: the resumed batch only moves past it
        issued = session.scalar(select(IssuedDocument.id).where(
            IssuedDocument.case_id == case_id, IssuedDocument.kind == job.kind,
            IssuedDocument.issued_at >= job.created_at))
        if issued is None:
            issue(session, site, session.get(Case, case_id), job.kind, actor, verify_url, secret, rate_url)
        job.step(job.done + 1)
        session.commit()
        if progress:
            progress(job.done, job.total)
    job.state, job.finished_at = "done", servertime.now()
    session.commit()
    return job


def archive(session: Session, job: PrintJob) -> bytes:
    """The job's documents in one ZIP, each under its number."""
    documents = session.scalars(select(IssuedDocument).where(
        IssuedDocument.case_id.in_(job.case_ids), IssuedDocument.kind == job.kind)
        .order_by(IssuedDocument.number))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for document in documents:
            archive.writestr(f"{document.number}.pdf", document.pdf)
    return buffer.getvalue()
