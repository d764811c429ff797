"""Benchmark: from starting gunicorn to its first served page, demo site and a 50-sub-center site.

    .venv/bin/python bench/worker_start.py [--rounds 3]

Roles and permissions are written by `portal setup` / `portal sync`, never when a worker
starts. Each round starts gunicorn on a published database and times until GET /login/
answers 200, with 1 worker and with 4 workers starting at once; it then checks that the
start wrote nothing: the security tables hold exactly the rows they held before. The baseline
is a bare Flask app (one route, same gunicorn), started the same way in the same run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BIN = Path(sys.executable).parent

from bench.check_large_site import generate  # noqa: E402

BARE_APP = """from flask import Flask
app = Flask(__name__)


@app.get("/login/")
def login():
    return "ok"
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _first_page(args: list[str], env: dict, cwd: Path) -> float:
    port = _port()
    with tempfile.TemporaryFile() as log:  # what gunicorn said, if it exits
        start = time.perf_counter()
        server = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                                   "--no-control-socket", *args], cwd=cwd, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                        if r.status == 200:
                            return time.perf_counter() - start
                except OSError:
                    if server.poll() is not None:
                        log.seek(0)
                        said = log.read().decode("utf-8", "replace")[-3000:]
                        raise RuntimeError(f"gunicorn exited:\n{said}") from None
                    time.sleep(0.01)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a loaded machine: what is measured is the start
                server.kill()
                server.wait(timeout=20)


def _security_rows(url: str) -> tuple[int, ...]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = tuple(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                       for t in ("ab_permission", "ab_view_menu", "ab_permission_view",
                                 "ab_permission_view_role", "ab_role"))
    engine.dispose()
    return counts


def _prepare(site: Path, url: str, env: dict) -> None:
    for args in (["setup"], ["sync", str(site)]):
        subprocess.run([str(BIN / "portal"), *args], cwd=REPO, env=env, check=True,
                       capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--subcenters", type=int, default=50, help="of the large site")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "bare.py").write_text(BARE_APP, encoding="utf-8")
        bare = statistics.median(_first_page(["bare:app"], dict(os.environ), tmp_path)
                                 for _ in range(args.rounds))
        print(f"{'bare Flask app':<15} {'1 worker(s)':<22} {bare * 1000:7.0f} ms")
        large = tmp_path / "large"
        generate(large, distinct=False, subcenters=args.subcenters, towns=args.subcenters * 4 // 5)
        for label, site in (("demo site", REPO), (f"{args.subcenters} sub-centers", large)):
            url = f"sqlite:///{tmp_path / (label.replace(' ', '-') + '.db')}"
            env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_SITE_DIR": str(site),
                   "PORTAL_SECRET_KEY": "bench-" + "w" * 40, "PORTAL_CACHE_DIR": ""}
            _prepare(site, url, env)
            before = _security_rows(url)
            for workers, preload in ((1, False), (4, False), (4, True)):
                extra = ["--preload"] if preload else []
                took = statistics.median(
                    _first_page(["--workers", str(workers), *extra, "portal:create_app()"], env, REPO)
                    for _ in range(args.rounds))
                how = f"{workers} worker(s){' --preload' if preload else ''}"
                print(f"{label:<15} {how:<22} {took * 1000:7.0f} ms   / bare = {took / bare:5.1f}")
            after = _security_rows(url)
            assert before == after, f"a worker start wrote security rows: {before} -> {after}"
            print(f"{label:<15} security rows unchanged by the starts: {after}")


if __name__ == "__main__":
    main()
