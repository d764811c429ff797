"""The portal's processes as production runs them, for the tests of several hosts and of the
job queue: a gunicorn server (``Host``) and a job worker (``Worker``), each on a test app's
database, keys and queue, with an instance folder of its own (another host's disk)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent.parent


def environment(app, tmp_path: Path, **extra: str) -> dict[str, str]:
    """What a process of the same portal as ``app`` is started with."""
    config = app.config
    return dict(os.environ, PORTAL_DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
                PORTAL_SECRET_KEY=config["SECRET_KEY"], PORTAL_AUDIT_KEY=config["PORTAL_AUDIT_KEY"],
                PORTAL_QUEUE_URL=config["PORTAL_QUEUE_URL"], PORTAL_QUEUE_NAME=config["PORTAL_QUEUE_NAME"],
                PORTAL_FILE_STORE=config["PORTAL_FILE_STORE"],
                PORTAL_JOB_STALE_SECONDS=str(config["PORTAL_JOB_STALE_SECONDS"]),
                PORTAL_JOB_RETRY_SECONDS=str(config["PORTAL_JOB_RETRY_SECONDS"]),
                PORTAL_JOB_RETRIES=str(config["PORTAL_JOB_RETRIES"]),
                PORTAL_INSTANCE_DIR=str(tmp_path / f"host-{uuid.uuid4().hex[:6]}"), **extra)


class Worker:
    """A `portal worker` process."""

    def __init__(self, app, tmp_path: Path) -> None:
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        with self.log.open("wb") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen([str(BIN / "portal"), "worker", "--threads", "1"],
                                            env=environment(app, tmp_path), cwd=REPO,
                                            stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # finish what it runs, then stop
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Host:
    """A gunicorn server of the portal (portal/gunicorn_conf.py), on a port and an instance
    folder of its own."""

    def __init__(self, app, tmp_path: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        env = environment(app, tmp_path, PORTAL_BIND=f"127.0.0.1:{port}", PORTAL_WORKERS="1")
        self.instance = Path(env["PORTAL_INSTANCE_DIR"])
        self.log = tmp_path / f"host-{port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn_conf", "portal:create_app()"],
                env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/readyz", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the host did not start:\n" + self.output()) from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


REDIS = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_url() -> str:
    """The test Redis (PORTAL_TEST_REDIS_URL, default 127.0.0.1:6379/15); a test needing it is
    skipped when it is unreachable — failed under CI=true."""
    import pytest
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis at {REDIS} is unreachable: {exc}")
    return REDIS
