"""The README documents every problem code (with its example) and every declaration key."""

from __future__ import annotations

import re

import pytest
from marshmallow import Schema
from marshmallow import fields as mf

from portal.core.problems import CODES
from portal.site.shapes import SCHEMAS
from portal.site.tables import POLICY
from tests.support.sites import EXAMPLES, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    commands = re.findall(r"^make (\w+)", README, flags=re.M)
    assert commands[:2] == ["run", "test"]
    assert README.index("make run") < 400


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_problem_code_is_documented_with_its_example(code: str) -> None:
    rows = [line for line in README.splitlines() if line.startswith(f"| `{code}` |")]
    assert len(rows) == 1, f"{code} needs one row in the README's problem table"
    expected = (EXAMPLES / code / "EXPECT").read_text(encoding="utf-8").splitlines()
    example = next(line for line in expected if code in line)
    assert f"`{example}`" in rows[0], f"the README's example for {code} is out of date"
    assert CODES[code].level in rows[0]


def _keys(schema: Schema, prefix: str = "") -> set[str]:
    keys = set()
    for name, field in schema.fields.items():
        keys.add(name)
        inner = field.inner if isinstance(field, mf.List) else field
        if isinstance(field, mf.Dict):
            inner = field.value_field
        if isinstance(inner, mf.Nested):
            keys |= _keys(inner.schema)
    return keys


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_every_declaration_key_is_documented(kind: str) -> None:
    declaration = README[README.index("## The declaration format"):README.index("## Problem codes")]
    documented = {part for path in re.findall(r"`([a-z_.*]+)`", declaration)
                  for part in path.split(".")}
    missing = sorted(_keys(SCHEMAS[kind]()) - documented)
    assert missing == [], f"undocumented {kind} keys: {missing}"


def test_every_overlay_property_is_in_the_policy_table() -> None:
    table = README[README.index("### Layers and locks"):README.index("## Problem codes")]
    for name in POLICY:
        assert f"`{name}`" in table, name


CITING = ("portal", "tests", "bench", "scripts", "docs", "migrations")


def _texts():
    for folder in CITING:
        for path in sorted((REPO / folder).rglob("*")):
            # (not what npm installed: tests/a11y/node_modules is axe-core's, not the project's)
            if path.suffix in (".py", ".md", ".sh", ".html", ".toml") \
                    and not {"__pycache__", "node_modules"} & set(path.parts):
                yield path, path.read_text(encoding="utf-8")
    for name in ("README.md", "Makefile", "pyproject.toml", "config.py"):
        yield REPO / name, (REPO / name).read_text(encoding="utf-8")


def test_the_project_cites_only_files_it_holds() -> None:
    """Comments and docs point at files of this repository (modules by path, notes by name)."""
    missing = []
    for path, text in _texts():
        for cited in re.findall(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md|portal/[\w/]+\.py)\b", text):
            if not (REPO / cited).exists() and not (path.parent / cited).exists():
                missing.append(f"{path.relative_to(REPO)}: {cited}")
    assert missing == []


def test_the_architecture_page_names_every_package() -> None:
    page = REPO.joinpath("docs/architecture.md").read_text(encoding="utf-8")
    packages = sorted(".".join(p.parent.relative_to(REPO).parts)
                      for p in (REPO / "portal").rglob("__init__.py"))
    assert [p for p in packages if p != "portal" and f"`{p}`" not in page] == []
