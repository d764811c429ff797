"""`portal check` as a sub-center manager runs it: every problem at once, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sites import REPO, make_example

LINE = re.compile(r"^(?P<file>[^:]+)(?::(?P<line>\d+))?: (?:(?P<path>[^:]+): )?(?P<code>schema\.[EW]\d{3}): "
                  r"(?P<message>.+?)(?: \((?P<hint>.+)\))?$")


def portal(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portal.cli", *args], cwd=cwd, text=True,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_demo_site_checks_clean_without_warnings() -> None:
    result = portal("check", "--strict", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s); 7 sub-centers, 35 items" in result.stderr


def test_broken_folder_lists_every_problem_and_fails(demo_site: Path) -> None:
    (demo_site / "schema/items/mz-dibao.yaml").write_text(
        (demo_site / "schema/items/mz-dibao.yaml").read_text(encoding="utf-8")
        .replace("  copies: 0\n  required: true\n- name: 家庭经济",
                 "  copies: two\n  required: true\n- name: 家庭经济")
        .replace("conditions:", "condtions:"), encoding="utf-8")
    (demo_site / "schema/items/gbk.yaml").write_bytes("name: 测试\n".encode("gbk"))
    (demo_site / "schema/items/broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    (demo_site / "schema/items/ghost.yaml").symlink_to("nowhere.yaml")
    result = portal("check", str(demo_site), cwd=demo_site.parent)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert "site/schema/items/mz-dibao.yaml:31: materials[2].copies: schema.E021: " \
           "must be a whole number ≥ 0, got 'two' (write it in digits, e.g. 2)" in lines
    assert any(":13: condtions: schema.E010: unknown key 'condtions' (did you mean 'conditions'?)" in line
               for line in lines)
    codes = {LINE.match(line)["code"] for line in lines}
    assert {"schema.E001", "schema.E002", "schema.E003", "schema.E010", "schema.E021"} <= codes
    assert "error(s)" in result.stderr


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    root = make_example("schema.W003", tmp_path / "site")
    assert portal("check", str(root)).returncode == 0
    assert portal("check", "--strict", str(root)).returncode == 1


@pytest.mark.parametrize("target", ["does-not-exist", "README.md"])
def test_a_missing_folder_is_a_clear_error(target: str) -> None:
    result = portal("check", target)
    assert result.returncode == 1
    assert "is not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_listing_the_commands_does_not_build_the_app() -> None:
    """`portal --help` (and so every quick command's start) does not build the web application:
    FlaskGroup would, to list the app's own commands (2 s)."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from portal.cli import main

    def refuse() -> None:
        raise AssertionError("the application was built to list the commands")

    result = CliRunner().invoke(main, ["--help"], obj=ScriptInfo(create_app=refuse))
    assert result.exit_code == 0, result.output
    assert "sync" in result.output and "audit" in result.output and "portal db" in result.output


def test_the_cli_offers_every_assessment_subject() -> None:
    from portal.cli.assessment import SUBJECTS
    from portal.site.metrics import SUBJECT_NAMES

    assert set(SUBJECTS) == set(SUBJECT_NAMES)


def _in_locale(lang: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "PORTAL_LANG")}
    return subprocess.run([sys.executable, "-m", "portal.cli", *args], cwd=REPO, text=True,
                          capture_output=True, env={**env, "PYTHONPATH": str(REPO), "LANG": lang})


def test_a_domain_error_speaks_the_locales_language() -> None:
    """Chinese under a Chinese locale, English under another or with ``--lang en``: the same
    error, its message and hint translated where it is shown."""
    chinese = _in_locale("zh_CN.UTF-8", "check", "does-not-exist")
    assert chinese.returncode == 1
    assert "does-not-exist不是文件夹（请给出含有 schema/、forms/ 和 print_templates/ 的站点文件夹）" \
        in chinese.stderr
    english = _in_locale("zh_CN.UTF-8", "--lang", "en", "check", "does-not-exist")
    assert "does-not-exist is not a folder (give the site folder" in english.stderr
    assert "does-not-exist is not a folder" in _in_locale("C.UTF-8", "check", "does-not-exist").stderr
