"""The code base passes ruff and keeps its import contracts (pyproject.toml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_import_against_the_arrows_breaks_the_contract(tmp_path: Path) -> None:
    """The contract is not decoration: the bottom layer importing a case module fails it."""
    shutil.copytree(REPO / "portal", tmp_path / "portal",
                    ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "translations"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    errors = tmp_path / "portal" / "core" / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\nfrom portal.cases import audit  # noqa\n",
                      encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "portal.core.errors -> portal.cases.audit" in result.stdout
