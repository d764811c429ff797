"""What an operator's tools ask of a running portal: liveness, readiness (database reachable,
schema at the newest migration), Prometheus metrics for allowed addresses only, a request id on
every response and log line, the client's address and scheme behind a proxy, engine options per
database, and no made-up keys in production."""

from __future__ import annotations

import logging
import re

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from portal.core import servertime
from portal.core.errors import PortalError
from portal.models import db


def test_liveness_and_readiness_need_no_login(app) -> None:
    client = app.test_client()
    alive = client.get("/healthz")
    assert (alive.status_code, alive.get_data(as_text=True)) == (200, "ok\n")
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    body = ready.get_json()
    assert body["status"] == "ready" and body["database"] == "ok"
    assert re.fullmatch(r"\d{4}", body["migrations"])  # the newest revision


def test_a_database_behind_the_newest_migration_is_not_ready(empty_database_url) -> None:
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "r" * 40})
    client = app.test_client()
    empty = client.get("/readyz")
    assert empty.status_code == 503 and empty.get_json()["migrations"] == "none"
    with app.app_context():
        upgrade(revision="0021")
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.get_json()["migrations"] == "0021" and behind.get_json()["expected"] != "0021"
        upgrade()
        assert client.get("/readyz").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_an_unreachable_database_is_not_ready() -> None:
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
                      "SECRET_KEY": "u" * 40})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["database"].startswith("unreachable")


def test_an_unreachable_job_queue_is_not_ready_and_a_job_asked_meanwhile_says_so(published) -> None:
    from portal.models import ExportJob
    from portal.web import jobs

    assert published.test_client().get("/readyz").get_json()["queue"] == "ok (0 waiting)"
    published.config["PORTAL_QUEUE_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
    try:
        answer = published.test_client().get("/readyz")
        assert answer.status_code == 503 and answer.get_json()["queue"] == "unreachable: ConnectionError"
        with published.test_request_context():
            job = ExportJob(kind="assessment", label="导出", params={}, requested_by="x",
                            created_at=servertime.now())
            db.session.add(job)
            db.session.commit()
            jobs.enqueue("export", job)  # nothing waits for a message never sent
            assert job.state == "failed" and "任务队列无法连接（ConnectionError）" in job.error
            db.session.remove()
    finally:
        published.extensions.pop(jobs.EXTENSION, None)


def test_metrics_count_requests_by_endpoint_for_allowed_addresses_only(staffed) -> None:
    client = staffed.test_client()
    for _ in range(3):
        client.get("/login/")
    client.get("/no-such-page")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["Content-Type"] == CONTENT_TYPE_LATEST  # one charset: Prometheus 3 refuses two
    page = metrics.get_data(as_text=True)
    counted = re.search(r'portal_requests_total\{endpoint="PortalAuthDBView.login",method="GET",'
                        r'status="200"\} (\d+)', page)
    assert counted and int(counted.group(1)) >= 3
    assert re.search(r'portal_requests_total\{endpoint="none",method="GET",status="404"\} \d', page)
    assert "portal_request_seconds_bucket" in page
    assert "# TYPE portal_jobs gauge" in page
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert outside.status_code == 404
    staffed.config["PORTAL_METRICS_ALLOW"] = "10.20.0.0/16"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200


def test_every_response_and_log_line_names_its_request(staffed, caplog) -> None:
    client = staffed.test_client()
    given = client.get("/login/", headers={"X-Request-ID": "lb-7f3a-0001"})
    assert given.headers["X-Request-ID"] == "lb-7f3a-0001"
    made = client.get("/login/", headers={"X-Request-ID": "<script>" * 20})  # not taken as is
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    logger = logging.getLogger("portal")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="portal.request"):
            client.get("/login/", headers={"X-Request-ID": "trace-42"})
    finally:
        logger.removeHandler(caplog.handler)
    lines = [r for r in caplog.records if r.name == "portal.request"]
    assert lines and lines[-1].request_id == "trace-42" and lines[-1].status == 200
    assert lines[-1].path == "/login/"


def test_behind_a_proxy_the_clients_address_and_scheme_are_the_proxys_word(published) -> None:
    from portal import create_app

    url = published.config["SQLALCHEMY_DATABASE_URI"]
    direct = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "p" * 40}).test_client()
    forwarded = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"}
    assert direct.get("/metrics", headers=forwarded,
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 404  # not trusted
    proxied_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "p" * 40,
                              "PORTAL_PROXY_COUNT": 1})
    proxied = proxied_app.test_client()
    assert proxied.get("/metrics", headers=forwarded,
                       environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    login = proxied.get("/cases/list/", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert login.status_code == 302 and "next=https://" in login.location  # the scheme the client used
    for made in (direct.application, proxied_app):  # no connection outlives the test's database
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


def test_engine_options_follow_the_database(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        else:
            assert db.engine.pool._pre_ping is True


def test_production_refuses_to_make_up_its_keys(database_url, monkeypatch) -> None:
    from portal import create_app

    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_AUDIT_KEY", raising=False)
    with pytest.raises(PortalError, match="PORTAL_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PORTAL_ENV": "production"})
    with pytest.raises(PortalError, match="PORTAL_AUDIT_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PORTAL_ENV": "production",
                    "SECRET_KEY": "s" * 64})
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PORTAL_ENV": "production",
                      "SECRET_KEY": "s" * 64, "PORTAL_AUDIT_KEY": "a" * 64})
    assert app.config["SECRET_KEY"] == "s" * 64
