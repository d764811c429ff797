"""Building declaration folders for tests: the demo site, the small base, and failing examples."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "examples"
BASE = EXAMPLES / "_base"
META_FILES = {"EXPECT", "DELETE"}


def copy_demo(target: Path) -> Path:
    """The repository's demo site (schema/, forms/, print_templates/) copied to ``target``."""
    for name in ("schema", "forms", "print_templates"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, target / name)
    return target


def make_example(code: str, target: Path) -> Path:
    """The small base site with the failing example of ``code`` laid over it."""
    shutil.copytree(BASE, target, symlinks=True)
    example = EXAMPLES / code
    delete = example / "DELETE"
    if delete.exists():
        for rel in delete.read_text(encoding="utf-8").split():
            (target / rel).unlink()
    for path in sorted(example.rglob("*")):
        rel = path.relative_to(example)
        if rel.as_posix() in META_FILES or path.is_dir():
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists() or dest.is_symlink():
            dest.unlink()
        if path.is_symlink():
            dest.symlink_to(path.readlink())
        else:
            shutil.copyfile(path, dest)
    return target


def example_codes() -> list[str]:
    return sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith("_"))
