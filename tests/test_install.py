"""`pip install .` gives an engine that runs from any folder: the migrations, templates and
translations travel in the wheel, and the host's files (database, keys) go to the instance
folder of the folder it runs in — not into the installed package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from tests.support.sites import REPO, copy_demo


def test_an_installed_engine_sets_up_and_publishes_a_site_from_any_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                    str(REPO)], check=True, capture_output=True)
    prefix = tmp_path / "engine"
    venv.create(prefix, with_pip=True)  # its own pip: the test environment's would uninstall
    # the engine installed there before installing it elsewhere (pip does, even with --prefix)
    subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                    *map(str, wheels.glob("portal-*.whl"))], check=True, capture_output=True)
    # the engine's own dependencies from the test environment, after the installed engine
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)}))
    (purelib / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    center = tmp_path / "center"
    copy_demo(center)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PATH"] = f"{prefix / 'bin'}:{env['PATH']}"
    where = subprocess.run([str(prefix / "bin" / "python"), "-c", "import portal; print(portal.__file__)"],
                           cwd=center, env=env, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(purelib)), where  # the installed engine, not the checkout
    portal = [str(prefix / "bin" / "python"), str(prefix / "bin" / "portal")]
    for args in (["setup"], ["sync", "."], ["check", "."]):
        done = subprocess.run([*portal, *args], cwd=center, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    assert (center / "instance" / "portal.db").is_file()  # the folder it runs in
    assert not (purelib / "instance").exists()
