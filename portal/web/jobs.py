"""Background jobs (batch printing, assessment exports) on a real queue, run by worker processes.

A job is a row (``print_job``, ``export_job``: what was asked, by whom, how far it is) and a
message on the queue naming it (kind and id). The web process writes the row and enqueues the
message; ``portal worker`` processes take messages and run the jobs; the progress page reads
the row from any host. The queue is huey's: on the embedded default a SQLite file beside the
database (``PORTAL_QUEUE_URL=sqlite:///…/queue.db``, no server), in production Redis
(``redis://host:6379/0``). ``immediate:`` runs each job inside the request that asks for it
(tests and debugging only).

- **Arguments persist** in the job's row: a worker on another host, a retry and a resumption
  read them there (the message carries only the kind and the id).
- **Retries**: a job that raises is queued again (``PORTAL_JOB_RETRIES`` times, after
  ``PORTAL_JOB_RETRY_SECONDS``), its error shown meanwhile; then it is failed.
- **A worker that dies** (SIGKILL, a host lost, a deploy) leaves its job ``running`` with a
  heartbeat that stops: a worker's heartbeat thread touches the row every quarter of
  ``PORTAL_JOB_STALE_SECONDS``; every worker looks every half of it for jobs silent for longer
  and queues them again. huey hands a message to one worker and forgets it (it has no
  acknowledgements), so this, in the database every host shares, is what brings the job back.
- **Once**: a worker claims a job with one conditional UPDATE (queued, or running and
  silent), so two messages for one job (a requeue racing a slow worker) run it once; a batch
  goes on from its last finished document, and a document issued before its step was saved is
  returned, not issued again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import or_, select, update

from portal.access.scope import Scope, acting_as, current_scope, unscoped
from portal.core import servertime
from portal.models import ExportJob, PortalUser, PrintJob, db

log = logging.getLogger(__name__)

MODELS: dict[str, type] = {"print": PrintJob, "export": ExportJob}
# kind -> what runs a claimed job of that kind, in an app context: runner(job, user, scope)
RUNNERS: dict[str, Callable[[Any, PortalUser, Scope], None]] = {}
EXTENSION = "portal_queue"


def runs(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the function that runs the jobs of ``kind`` (portal/web/documents.py, …)."""
    def register(function: Callable[..., None]) -> Callable[..., None]:
        RUNNERS[kind] = function
        return function
    return register


class Queue:
    """The app's queue: its huey and the one task that runs a job by kind and id."""

    def __init__(self, app: Flask) -> None:
        from huey import MemoryHuey, RedisHuey, SqliteHuey

        self.app = app
        url, name = app.config["PORTAL_QUEUE_URL"], app.config["PORTAL_QUEUE_NAME"]
        self.address = (url, name)
        if url.startswith("redis://") or url.startswith("rediss://"):
            self.huey = RedisHuey(name, url=url, results=False)
        elif url.startswith("sqlite:///"):
            filename = Path(url.removeprefix("sqlite:///"))
            filename.parent.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey(name, filename=str(filename), results=False)
        elif url == "immediate:":
            self.huey = MemoryHuey(name, immediate=True, results=False)
        else:
            raise ValueError(f"PORTAL_QUEUE_URL: {url!r} is not redis://…, sqlite:///… or immediate:")
        self.stale = dt.timedelta(seconds=float(app.config["PORTAL_JOB_STALE_SECONDS"]))
        self.task = self.huey.task(retries=int(app.config["PORTAL_JOB_RETRIES"]),
                                   retry_delay=int(app.config["PORTAL_JOB_RETRY_SECONDS"]),
                                   context=True, name="portal.run_job")(self._run)

    def enqueue(self, kind: str, job_id: int) -> None:
        self.task(kind, job_id)

    def depth(self) -> int:
        """Messages waiting on the queue (the scheduled retries included)."""
        return self.huey.pending_count() + self.huey.scheduled_count()

    def _run(self, kind: str, job_id: int, task: Any = None) -> None:
        # immediate: the request that asked runs it once, and answers with what happened
        retries = 0 if self.huey.immediate else int(self.app.config["PORTAL_JOB_RETRIES"])
        retry_in = dt.timedelta(seconds=int(self.app.config["PORTAL_JOB_RETRY_SECONDS"]))
        with self.app.app_context():
            try:
                execute(kind, job_id, self.stale, retries, retry_in)
            finally:
                db.session.remove()

    def requeue_stalled(self) -> list[tuple[str, int]]:
        """Queue again the jobs whose worker has gone silent (running, or queued with their
        message lost) for longer than ``PORTAL_JOB_STALE_SECONDS``; each once per such period
        whichever worker looks (the touch is conditional)."""
        now = servertime.now()
        requeued = []
        with self.app.app_context(), unscoped():
            try:
                for kind, model in MODELS.items():
                    silent = or_(model.touched_at < now - self.stale,
                                 (model.touched_at.is_(None)) & (model.created_at < now - self.stale))
                    ids = db.session.scalars(select(model.id).where(
                        model.state.in_(("queued", "running")), silent)).all()
                    for pk in ids:
                        # queued (again) and touched: a worker claims it from there, and no
                        # other worker queues it again for another such period
                        if _send_back(self, kind, pk, model.state.in_(("queued", "running")) & silent,
                                      "its worker fell silent; queued again"):
                            requeued.append((kind, pk))
            finally:
                db.session.remove()
        return requeued


def queue(app: Flask | None = None) -> Queue:
    """The app's queue, made at its first use (a web process that never enqueues never opens it)."""
    app = app or current_app._get_current_object()
    made = app.extensions.get(EXTENSION)
    if made is None or made.address != (app.config["PORTAL_QUEUE_URL"], app.config["PORTAL_QUEUE_NAME"]):
        made = app.extensions[EXTENSION] = Queue(app)
    return made


def enqueue(kind: str, job: Any) -> None:
    """Queue a job whose row is committed. If the queue cannot be reached, the job says so and
    is failed (nothing waits for a message that was never sent)."""
    try:
        queue().enqueue(kind, job.id)
    except Exception as exc:  # the queue's server is down: the job cannot start
        log.exception("%s job %s could not be queued", kind, job.id)
        job.fail(gettext("The job queue cannot be reached (%(error)s); ask again later.",
                         error=type(exc).__name__))
        db.session.commit()


def execute(kind: str, job_id: int, stale: dt.timedelta, retries: int = 0,
            retry_in: dt.timedelta = dt.timedelta(0)) -> bool:
    """Claim job ``job_id`` and run it, recording a failure on it; ``False`` when it was not
    there to claim (done, failed, or running on a live worker). A job is started at most
    ``retries`` + 1 times, counted on its row (whichever messages brought it: a retry, a requeue
    after a silence); a failure before that queues it again, due in ``retry_in``."""
    model = MODELS[kind]
    now = servertime.now()
    with unscoped():
        claimed = db.session.execute(
            update(model).where(model.id == job_id, or_(
                model.state == "queued",
                (model.state == "running") & (model.touched_at < now - stale)))
            .values(state="running", touched_at=now, attempts=model.attempts + 1)).rowcount
        db.session.commit()
        if not claimed:
            log.info("%s job %s: not queued (done, failed or running elsewhere)", kind, job_id)
            return False
        job = db.session.get(model, job_id)
        user = db.session.scalars(select(PortalUser).where(
            PortalUser.username == job.requested_by)).one_or_none()
    last_try = job.attempts > retries
    beat = _Heartbeat(model, job_id, job.attempts, stale / 4)
    _running.beat = beat
    _mine[(kind, job_id)] = job.attempts
    try:
        if user is None or not user.is_active:
            raise PermissionError(gettext("%(user)s may no longer run jobs (the account is gone or "
                                          "deactivated).", user=job.requested_by))
        with unscoped():
            scope = Scope.of(user)
        with acting_as(scope):
            RUNNERS[kind](job, user, scope)
    except TakenOver:  # the job is another worker's now: leave its row alone
        db.session.rollback()
        log.warning("%s job %s: taken over by another worker; this one stops", kind, job_id)
    except Exception as exc:
        db.session.rollback()
        with unscoped():
            job = db.session.get(model, job_id)
            job.fail(str(exc) or type(exc).__name__,
                     retry_at=None if last_try else servertime.now() + retry_in)
            db.session.commit()
        if last_try:
            log.exception("%s job %s failed", kind, job_id)
            return True
        raise  # the queue retries it
    finally:
        beat.stop()
        _running.beat = None
        _mine.pop((kind, job_id), None)
    return True


_mine: dict[tuple[str, int], int] = {}  # the jobs this process runs now: (kind, id) -> attempt


def hand_back(queue: Queue) -> list[tuple[str, int]]:
    """Queue again, at once, the jobs this process is running (a worker told to stop now):
    another worker resumes them where they are, without waiting for their heartbeat to go
    silent."""
    handed = []
    with queue.app.app_context(), unscoped():
        try:
            for (kind, job_id), attempt in list(_mine.items()):
                model = MODELS[kind]
                if _send_back(queue, kind, job_id, (model.state == "running") & (model.attempts == attempt),
                              "handed back to the queue"):
                    handed.append((kind, job_id))
        finally:
            db.session.remove()
    return handed


def _send_back(queue: Queue, kind: str, job_id: int, condition: Any, why: str) -> bool:
    """Put job ``job_id`` back to ``queued`` if ``condition`` still holds, and on the queue."""
    model = MODELS[kind]
    back = db.session.execute(update(model).where(model.id == job_id, condition)
                              .values(state="queued", touched_at=servertime.now())).rowcount
    db.session.commit()
    if back:
        queue.enqueue(kind, job_id)
        log.warning("%s job %s: %s", kind, job_id, why)
    return bool(back)


class TakenOver(RuntimeError):
    """This worker's job was queued again and claimed by another (it had fallen silent)."""


_running = threading.local()  # the heartbeat of the job this thread runs


def still_mine() -> None:
    """Raise ``TakenOver`` when the job this thread runs has been given to another worker: a
    runner asks between its steps, so a worker that only seemed dead stops instead of doubling
    the work."""
    beat = getattr(_running, "beat", None)
    if beat is not None and beat.lost.is_set():
        raise TakenOver(f"job {beat.job_id} was taken over by another worker")


class _Heartbeat(threading.Thread):
    """Touches a running job's row every ``every`` on a connection of its own, so that a job
    working through a long step is not taken for a dead one."""

    def __init__(self, model: type, job_id: int, attempt: int, every: dt.timedelta) -> None:
        super().__init__(name=f"heartbeat {model.__tablename__} {job_id}", daemon=True)
        self.model, self.job_id, self.attempt = model, job_id, attempt
        self.every = every.total_seconds()
        self.app = current_app._get_current_object()
        self.stopped, self.lost = threading.Event(), threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.app.app_context(), db.engine.begin() as connection:
                    touched = connection.execute(update(self.model).where(
                        self.model.id == self.job_id, self.model.state == "running",
                        self.model.attempts == self.attempt)
                        .values(touched_at=servertime.now())).rowcount
                if not touched:  # finished meanwhile, or claimed by another worker
                    self.lost.set()
                    return
            except Exception:  # a busy database: the next beat tries again
                log.warning("heartbeat of job %s missed", self.job_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()


def own(model: type, pk: int, center_wide_too: bool = False) -> Any:
    """The job ``pk`` if the signed-in user asked for it (or, with ``center_wide_too``, is a
    center-wide user); 404 otherwise."""
    job = db.session.get(model, pk)
    scope = current_scope()
    if job is None or (job.requested_by != current_user.username
                       and not (center_wide_too and scope is not None and scope.everything)):
        abort(404)
    return job
