"""`portal worker`: the process that runs the background jobs (batch printing, exports).

Run one or more beside the web server, on any host that reaches the database and the queue
(``PORTAL_QUEUE_URL``). Each takes jobs off the queue with ``--threads`` threads, and every
half of ``PORTAL_JOB_STALE_SECONDS`` queues again the jobs a dead worker left behind
(portal/web/jobs.py). SIGINT stops it after the jobs it is running; SIGTERM stops it at once and
hands them back to the queue; after a SIGKILL another worker finds them by their silence.
"""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.base import domain_errors, main


@main.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="jobs run at once by this process")
@with_appcontext
@domain_errors
def worker(threads: int) -> None:
    """Run background jobs from the queue until stopped (后台任务进程)."""
    from huey.consumer import Consumer

    from portal.web import jobs

    app = current_app._get_current_object()
    queue = jobs.queue(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    every = queue.stale.total_seconds() / 2

    def reap() -> None:
        while True:
            try:
                queue.requeue_stalled()
            except Exception:  # the database is away for a moment: look again later
                logging.getLogger(__name__).warning("looking for stalled jobs failed", exc_info=True)
            if stop.wait(every):
                return

    threading.Thread(target=reap, name="requeue stalled jobs", daemon=True).start()
    click.echo(f"portal worker: {threads} thread(s) on {_safe(app.config['PORTAL_QUEUE_URL'])}")
    # huey's signals: SIGINT lets the running jobs finish; SIGTERM (a deploy, a supervisor)
    # stops at once and the jobs it was running go back on the queue, where another worker
    # resumes them from their last finished step (a SIGKILL leaves that to the heartbeat)
    consumer = Consumer(queue.huey, workers=threads, worker_type="thread", periodic=False,
                        check_worker_health=True)
    try:
        consumer.run()
    finally:
        stop.set()
        jobs.hand_back(queue)


def _safe(url: str) -> str:
    """The queue's address without a password."""
    from sqlalchemy.engine import make_url

    if url.startswith("redis"):
        head, _, tail = url.rpartition("@")
        return ("redis://***@" + tail) if head else url
    return str(make_url(url)) if "://" in url else url
