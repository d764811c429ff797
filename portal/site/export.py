"""Writing published documents back to a declaration folder that checks and hashes the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema
from marshmallow import fields as mf

from portal.core.errors import N_, PortalError
from portal.core.recent import Recent
from portal.site.loader import CENTER_FILE, FORM_DIR, ITEM_DIR, SUBCENTER_DIR, TEMPLATE_DIR
from portal.site.shapes import schema_for

_HEADER = "# Exported by `portal export` from published version {version}.\n"
# libyaml's emitter writes the same text as PyYAML's, four times faster (every edit in the
# browser writes the whole site out once to check it)
_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def ordered(value: Any, where: Schema | mf.Field | None) -> Any:
    """Keys in the order the schema declares them (JSONB keeps no order), years as numbers."""
    if isinstance(where, mf.Nested):
        where = where.schema
    if isinstance(where, mf.List) and isinstance(value, list):
        return [ordered(v, where.inner) for v in value]
    if isinstance(where, mf.Dict) and isinstance(value, Mapping):
        return {int(k) if str(k).isdigit() else k: ordered(v, where.value_field)
                for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(where, Schema) and isinstance(value, Mapping):
        return {name: ordered(value[name], field)
                for name, field in where.fields.items() if name in value}
    return value


# the YAML of documents written before, by kind and content: a browser edit writes the whole
# site out to check it, and all but the edited documents are as they were (PyYAML represents
# in Python even with libyaml's emitter: a county's 1,000 files took seconds each save)
_TEXTS = Recent(keep=20_000)


def _yaml(data: Any, kind: str) -> str:
    key = hashlib.sha256(f"{kind}\0{json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)}"
                         .encode()).hexdigest()
    return _TEXTS.get(key) or _TEXTS.put(key, yaml.dump(
        ordered(data, schema_for(kind)), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
        width=100, indent=2))


def _dump(path: Path, data: Any, kind: str, version: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _yaml(data, kind)
    header = _HEADER.format(version=version) if version is not None else ""
    path.write_text(header + text, encoding="utf-8")


def write_documents(documents: Mapping[str, Any], target: Path, version: int | None) -> list[Path]:
    """Write every document of a version below ``target``, which must be empty or absent.
    ``version`` is named in each file's header; without it (a browser edit's check) the files
    carry none, so a file the edit did not touch has the same bytes from one version to the
    next and its shape is taken from the cache."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PortalError(N_("%(path)s is not an empty folder"),
                          hint=N_("export into a new folder so nothing is overwritten"), path=str(target))
    written = [target / CENTER_FILE]
    _dump(written[0], documents["center"], "center", version)
    for code, data in documents["subcenters"].items():
        written.append(target / SUBCENTER_DIR / f"{code}.yaml")
        _dump(written[-1], data, "subcenter", version)
    for code, data in documents["items"].items():
        written.append(target / ITEM_DIR / f"{code}.yaml")
        _dump(written[-1], data, "item", version)
    for code, data in documents.get("forms", {}).items():
        written.append(target / FORM_DIR / f"{code}.yaml")
        _dump(written[-1], data, "form", version)
    for sub, overlays in documents.get("form_overlays", {}).items():
        for code, data in overlays.items():
            written.append(target / FORM_DIR / sub / f"{code}.yaml")
            _dump(written[-1], data, "form_overlay", version)
    for name, text in documents["templates"].items():
        path = target / TEMPLATE_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
