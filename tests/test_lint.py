"""The code base passes ruff and keeps its import contracts (pyproject.toml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sites import REPO


def test_ruff_finds_nothing() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "portal", "tests", "bench", "migrations/env.py"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                          cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(cwd)})


def test_arrows_point_down_and_the_domain_needs_no_flask() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "added", "broken"), [
    # the bottom layer importing a case module: an arrow pointing up
    ("core/errors.py", "from portal.cases import audit", "portal.core.errors -> portal.cases.audit"),
    # the layers' merging importing the checker that imports it: a cycle inside a package
    ("site/layers.py", "from portal.site import checks", "No cycles are allowed in portal.site"),
])
def test_an_import_against_the_arrows_breaks_a_contract(tmp_path: Path, module: str, added: str,
                                                         broken: str) -> None:
    """The contracts are not decoration: each fails on the import it exists to refuse."""
    shutil.copytree(REPO / "portal", tmp_path / "portal",
                    ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "translations"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    target = tmp_path / "portal" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{added}  # noqa\n", encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert broken in result.stdout
