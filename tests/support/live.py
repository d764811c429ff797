"""A live portal for browser tests: set up and served the way `make run` does it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.sites import REPO

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_portal(database_url: str, site: Path, workdir: Path) -> Iterator[tuple[str, str]]:
    """Yield (base URL, password) of a portal serving ``site`` from ``database_url``.

    Set up as `make run` does: the center admin and the demo logins of every role (all with
    that password), and demo cases at every window.
    """
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SITE_DIR": str(site),
           "PORTAL_SECRET_KEY": "browser-test-" + "s" * 50, "PORTAL_ADMIN_PASSWORD": "浏览器测试-2026",
           "PORTAL_DEMO_PASSWORD": "浏览器测试-2026"}
    for args in (["setup"], ["sync", str(site)], ["create-admin"], ["demo-users"],
                 ["demo-cases", "--count", "120"]):
        subprocess.run([str(BIN / "portal"), *args], cwd=REPO, env=env, check=True,
                       capture_output=True)
    port = _free_port()
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
         "--threads", "4", "--no-control-socket",
         "portal:create_app()"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("portal did not start: "
                                       + (workdir / "gunicorn.log").read_text(encoding="utf-8")) from None
                time.sleep(0.2)
        yield url, env["PORTAL_ADMIN_PASSWORD"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
