"""Every benchmark of `make bench` runs, at a tiny size, so that none can rot unnoticed: each
must finish and print its ratio against its baseline (on PostgreSQL too where it measures a
database and PORTAL_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support.processes import redis_url
from tests.support.sites import REPO

pytestmark = pytest.mark.bench

# bench -> its tiny arguments, and what its report must show
TINY = {
    "check_large_site.py": (["--rounds", "1", "--subcenters", "3", "--towns", "2", "--per-subcenter", "5"],
                            r"check / c_safe_load = \d"),
    "case_list.py": (["--cases", "200", "--requests", "2"], r"ratio scoped / plain +median +\d"),
    "worker_start.py": (["--rounds", "1", "--subcenters", "3"], r"/ bare = +\d"),
    "cli_start.py": (["--rounds", "2"], r"ratio portal / baseline = \d"),
    "publish.py": (["--subcenters", "3", "--per-subcenter", "5", "--rounds", "1"],
                   r"ratio one phone / unchanged = \d"),
    "form_validation.py": (["--submissions", "20", "--versions", "3"],
                           r"ratio generated / hand-written: +\d"),
    "due_dates.py": (["--cases", "500"], r"ratio clock / baseline: +\d"),
    "worklist.py": (["--cases", "200", "--requests", "2"], r"ratio lights / plain +median +\d"),
    "network.py": (["--cases", "600", "--requests", "2"],
                   r"代办: \d+ of 600[\s\S]*town worklist .* ratio / clerk worklist +\d[\s\S]*"
                   r"center monthly .* ratio / clerk worklist +\d[\s\S]*month figures +median"
                   r"[\s\S]*report section / center monthly \d"),
    "certificates.py": (["--documents", "2"], r"ratio portal / bare: \d"),
    "assessment.py": (["--cases", "200", "--windows", "4"], r"ratio scores / baseline +\d"),
    "growth.py": (["--cases", "300", "--sizes", "900", "--requests", "2"],
                  r"900 cases .*\n +× /login/ +case list \d[\s\S]*× at 300 +login"),
    "export_memory.py": (["--cases", "200", "--sizes", "400"], r"400 cases +idle .* ratio \d.* whole"),
    "load.py": (["--cases", "200", "--clients", "2", "--workers", "1", "--seconds", "1", "--batch", "3"],
                r"REST list .* errors 0 .*\n[\s\S]*quiet .*\n +ratio case page p95 busy / quiet = \d"),
    "hall.py": (["--cases", "200", "--clients", "2", "--workers", "1", "--seconds", "1"],
                r"item .* errors 0 .* × login p50 +\d[\s\S]*wrong pair .* × login p50 +\d"),
}
# run as production runs: on PostgreSQL, with the job queue on Redis
SERVED = ("load.py", "hall.py")


def test_every_bench_of_make_bench_is_listed_here() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert set(re.findall(r"bench/(\w+\.py)", makefile)) == set(TINY)


@pytest.mark.parametrize("bench", sorted(TINY))
def test_the_bench_runs_and_reports_its_ratio(bench: str, tmp_path) -> None:
    args, ratio = TINY[bench]
    if bench in SERVED:  # PostgreSQL and Redis only, as production runs
        if not os.environ.get("PORTAL_TEST_POSTGRES_URL") and os.environ.get("CI") != "true":
            pytest.skip(f"{bench} runs on PostgreSQL: PORTAL_TEST_POSTGRES_URL is not set")
        redis_url()
    env = {**os.environ, "PORTAL_CACHE_DIR": "", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, str(REPO / "bench" / bench), *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(ratio, result.stdout), result.stdout
    if os.environ.get("PORTAL_TEST_POSTGRES_URL") and "--cases" in args and bench != "due_dates.py":
        assert "PostgreSQL:" in result.stdout and "skipped" not in result.stdout
