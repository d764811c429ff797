"""What an operator's tools ask of a running portal.

- ``GET /healthz``: the process answers (no database, no session): for a load balancer's or a
  supervisor's liveness check.
- ``GET /readyz``: it can serve: the database answers, the job queue answers (Redis, or the
  embedded queue's file) and the schema is at the newest migration. 200 with ``{"status":
  "ready", …}``, else 503 saying what is wrong: for a deploy that waits before sending
  traffic, and for a monitor.
- ``GET /metrics``: Prometheus metrics — requests by endpoint, method and status, their
  latency, the background jobs by state and the messages waiting on the job queue — for the
  addresses in ``PORTAL_METRICS_ALLOW`` (default: this host only); anyone else gets 404. Under
  several gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, before the
  workers start): each worker writes its figures there and a scrape adds them up
  (portal/gunicorn_conf.py removes a dead worker's).
- Every response carries ``X-Request-ID`` — the one the proxy sent (letters, digits, ``-_.:``,
  at most 64), else a new one — and every log line of the request names it; one line per
  request goes to the ``portal.request`` logger. ``PORTAL_LOG_FORMAT=json`` writes the logs as
  JSON lines (python-json-logger), else as text.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal.models import db

ops = Blueprint("ops", __name__)
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
OPS_PATHS = ("/healthz", "/readyz", "/metrics")

REQUESTS = Counter("portal_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("portal_request_seconds", "Time to answer an HTTP request", ["endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
log = logging.getLogger("portal.request")


@ops.route("/healthz")
def healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")


@ops.route("/readyz")
def readyz() -> Any:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    answer: dict[str, Any] = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
        answer["database"] = "ok"
    except SQLAlchemyError as exc:
        answer.update(status="not ready", database=f"unreachable: {type(exc).__name__}")
        return jsonify(answer), 503
    try:
        answer["queue"] = f"ok ({_queue().depth()} waiting)"
    except Exception as exc:  # the queue's server is down or its file unreadable
        answer.update(status="not ready", queue=f"unreachable: {type(exc).__name__}")
        return jsonify(answer), 503
    heads = set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    answer["migrations"] = ", ".join(sorted(current)) or "none"
    if current != heads:
        answer.update(status="not ready", expected=", ".join(sorted(heads)))
        return jsonify(answer), 503
    answer["status"] = "ready"
    return jsonify(answer)


def _allowed(address: str | None) -> bool:
    networks = current_app.config.get("PORTAL_METRICS_ALLOW", "127.0.0.1/32,::1/128")
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n.strip(), strict=False) for n in networks.split(",") if n.strip())


@ops.route("/metrics")
def metrics() -> Response:
    if not _allowed(request.remote_addr):
        return Response("Not Found\n", status=404, mimetype="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics())
    registry.register(JobCollector())
    # the header as Prometheus gives it (werkzeug would add a second charset to a mimetype)
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


class _ProcessMetrics:
    """This process's request metrics (the default registry's), beside the jobs'."""

    def collect(self) -> Any:
        yield from REGISTRY.collect()


class JobCollector:
    """The background jobs by kind and state, read from the database at each scrape (the queue
    depth: queued and running; failures: failed)."""

    def collect(self) -> Any:
        from portal.models.documents import ExportJob, PrintJob

        family = GaugeMetricFamily("portal_jobs", "Background jobs by table, kind and state",
                                   labels=["job", "kind", "state"])
        try:
            with db.engine.connect() as connection:  # beneath the scope rule: the operator's figures
                for model in (PrintJob, ExportJob):
                    rows = connection.execute(select(model.kind, model.state, func.count())
                                              .group_by(model.kind, model.state))
                    for kind, state, count in rows:
                        family.add_metric([model.__tablename__, kind, state], count)
        except SQLAlchemyError:  # no database, or not migrated: /readyz says so; the rest is shown
            return
        yield family
        try:
            depth = _queue().depth()
        except Exception:  # the queue is down: /readyz says so
            return
        yield GaugeMetricFamily("portal_queue_messages", "Messages waiting on the job queue "
                                "(scheduled retries included)", value=depth)


def _queue() -> Any:
    from portal.web.jobs import queue

    return queue()


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _end(response: Response) -> Response:
    started = g.pop("request_started", None)
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if started is None:
        return response
    took = time.perf_counter() - started
    endpoint = request.endpoint or "none"  # an unknown address: one label, not one per path
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(took)
    if request.path not in OPS_PATHS:
        log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, took * 1000,
                 extra={"method": request.method, "path": request.path, "status": response.status_code,
                        "ms": round(took * 1000, 1), "remote": request.remote_addr})
    return response


class RequestIdFilter(logging.Filter):
    """Names the request (its id) on every log record made while it is answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(fmt: str) -> None:
    """The ``portal`` loggers to standard error, as text or JSON lines, each naming its request
    (once per process: several apps in one process share the handler)."""
    logger = logging.getLogger("portal")
    if any(getattr(h, "portal_handler", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.portal_handler = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def init_app(app: Flask) -> None:
    app.register_blueprint(ops)
    app.before_request(_begin)
    app.after_request(_end)
    configure_logging(app.config.get("PORTAL_LOG_FORMAT", "text"))
