"""Load a declaration folder: read, shape-check every file, then check the whole (two passes)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError
from marshmallow import fields as mf

from portal.core.problems import Problem, join_path
from portal.site import fields as f
from portal.site.cache import ShapeCache, entry_key
from portal.site.shapes import schema_for
from portal.site.source import Document, read_document

CENTER_FILE = "schema/center.yaml"
SUBCENTER_DIR = "schema/subcenters"
ITEM_DIR = "schema/items"
FORM_DIR = "forms"  # base forms; forms/<sub-center>/ holds that sub-center's additions
TEMPLATE_DIR = "print_templates"
TEMPLATE_SUFFIXES = (".html", ".css")


@dataclass
class Loaded:
    """A declaration file after the shape pass: its normalised data and whether it is whole.

    A file with shape problems is still checked across files for every part that loaded: its
    ``data`` holds the keys that passed, ``broken`` names those that did not (the checks leave
    them alone: their problems are reported already), and ``usable`` is false only when nothing
    of it could be read as a mapping.
    """

    kind: str
    doc: Document
    data: dict[str, Any]
    ok: bool
    broken: frozenset[str] = frozenset()
    usable: bool = True

    @property
    def file(self) -> str:
        return self.doc.file

    def problem(self, code: str, path: Sequence[str | int], message: str, hint: str = "",
                key: bool = False) -> Problem:
        return Problem(self.file, self.doc.line_of(path, key=key), join_path(*path), code,
                       message, hint)


@dataclass
class Folder:
    """Everything read from a site folder, before the cross-file checks."""

    root: Path
    center: Loaded | None = None
    subcenters: list[Loaded] = field(default_factory=list)
    items: list[Loaded] = field(default_factory=list)
    forms: list[Loaded] = field(default_factory=list)
    form_overlays: list[Loaded] = field(default_factory=list)
    templates: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # files already reported as unreadable


# Below this many files a worker pool costs more than it saves.
PARALLEL_FROM = 400


def read_folder(root: Path, workers: int | None = None, use_cache: bool | str = True) -> Folder:
    """First pass: every file read and shape-checked; every problem collected.

    ``workers``: processes for the shape pass (default: one per CPU, up to 4, for large
    folders; 1 for small ones). ``use_cache``: reuse shape results of unchanged files (a
    text names the cache, for a folder written at a fresh place each time).
    """
    folder = Folder(root)
    center_path = root / CENTER_FILE
    jobs: list[tuple[str, Path]] = []
    if center_path.exists() or center_path.is_symlink():
        jobs.append(("center", center_path))
    else:
        folder.problems.append(Problem(CENTER_FILE, None, "", "schema.E006",
                                       "the center's declaration is missing",
                                       f"create {CENTER_FILE} with the center's name, city and naming rules"))
    jobs += [("subcenter", p) for p in _yaml_files(root / SUBCENTER_DIR)]
    jobs += [("item", p) for p in _yaml_files(root / ITEM_DIR)]
    jobs += [("form", p) for p in _yaml_files(root / FORM_DIR)]
    if (root / FORM_DIR).is_dir():
        for sub in sorted(d for d in (root / FORM_DIR).iterdir() if d.is_dir()):
            jobs += [("form_overlay", p) for p in _yaml_files(sub)]
    lists = {"subcenter": folder.subcenters, "item": folder.items, "form": folder.forms,
             "form_overlay": folder.form_overlays}
    for kind, path, loaded, problems in _shape_cached(root, jobs, workers, use_cache):
        folder.problems.extend(problems)
        if loaded is None:
            folder.unreadable.add(path.relative_to(root).as_posix())
        elif kind == "center":
            folder.center = loaded
        else:
            lists[kind].append(loaded)
    _read_templates(folder)
    return folder


_Shaped = tuple[str, Path, "Loaded | None", list[Problem]]


def _shape_cached(root: Path, jobs: list[tuple[str, Path]], workers: int | None,
                  use_cache: bool | str) -> list[_Shaped]:
    named = use_cache if isinstance(use_cache, str) else None
    shapes = ShapeCache(root, named) if use_cache else None
    results: list[_Shaped | None] = [None] * len(jobs)
    keys: dict[int, str] = {}
    for i, (kind, path) in enumerate(jobs):
        if shapes is None:
            break
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # reported by the shape pass itself
        keys[i] = entry_key(kind, path.relative_to(root).as_posix(), raw)
        hit = shapes.get(keys[i])
        if hit is not None:
            results[i] = _attached(hit, path)
    todo = [i for i, done in enumerate(results) if done is None]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(todo) >= PARALLEL_FROM else 1
    for i, shaped in zip(todo, _shape_all(root, [jobs[i] for i in todo], workers), strict=True):
        results[i] = shaped
        if shapes is not None and i in keys:
            shapes.put(keys[i], _detached(shaped))
    if shapes is not None:
        shapes.save()
    return [shaped for shaped in results if shaped is not None]


def _attached(shaped: _Shaped, path: Path) -> _Shaped:
    """A cached shape, its file where it is read from now: the cache is keyed by the file's
    path inside the site and its bytes, and the same site is checked from anywhere (``portal
    check .`` from inside it, ``portal check site`` from its parent)."""
    kind, _, loaded, problems = shaped
    if loaded is not None:
        loaded = replace(loaded, doc=replace(loaded.doc, source=path))
    return kind, path, loaded, problems


def _detached(shaped: _Shaped) -> _Shaped:
    kind, path, loaded, problems = shaped
    if loaded is not None:
        loaded = replace(loaded, doc=loaded.doc.detached())
    return kind, path, loaded, problems


def _shape_all(root: Path, jobs: list[tuple[str, Path]], workers: int) -> list[_Shaped]:
    if workers <= 1:
        return [_shape(root, kind, path) for kind, path in jobs]
    chunks = [jobs[i::workers] for i in range(workers)]
    context = multiprocessing.get_context("fork")
    # this process shapes the first chunk itself while the workers shape the others
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        others = pool.map(_shape_chunk, [root] * (workers - 1), chunks[1:])
        parts = [[_shape(root, kind, path) for kind, path in chunks[0]], *others]
    order = {path: i for i, (_, path) in enumerate(jobs)}
    return sorted((shaped for part in parts for shaped in part), key=lambda s: order[s[1]])


def _shape_chunk(root: Path, jobs: list[tuple[str, Path]]) -> list[_Shaped]:
    return [_detached(_shape(root, kind, path)) for kind, path in jobs]


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix == ".yaml")


def _read_templates(folder: Folder) -> None:
    directory = folder.root / TEMPLATE_DIR
    if not directory.is_dir():
        return
    for path in sorted(directory.rglob("*")):
        if path.suffix not in TEMPLATE_SUFFIXES or path.is_dir():
            continue
        rel = path.relative_to(folder.root).as_posix()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            folder.problems.append(Problem(rel, None, "", "schema.E001",
                                           f"cannot read the file: {exc.strerror or exc}",
                                           "check that it exists and is readable"))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            folder.problems.append(Problem(rel, raw.count(b"\n", 0, exc.start) + 1, "", "schema.E002",
                                           f"byte {raw[exc.start]:#04x} at offset {exc.start} is not UTF-8",
                                           "save the file as UTF-8"))
            continue
        folder.templates[path.relative_to(directory).as_posix()] = text


def _shape(root: Path, kind: str, path: Path) -> _Shaped:
    """Read one file and check its shape; a pure function, so it can run in a worker."""
    doc, problems = read_document(root, path)
    if doc is None:
        return kind, path, None, problems
    schema = schema_for(kind)
    try:
        data = schema.load(doc.data)
        return kind, path, Loaded(kind, doc, data, not problems), problems
    except ValidationError as exc:
        data = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        broken = frozenset(k for k in errors if k in schema.fields)
        usable = isinstance(doc.data, dict) and "_schema" not in errors
        problems = problems + list(_flatten(doc, exc.messages, schema, ()))
        return kind, path, Loaded(kind, doc, data, False, broken, usable), problems



def shape_problems(doc: Document, errors: Any, schema: Schema) -> list[Problem]:
    """marshmallow's errors for a whole document, as located problems."""
    return list(_flatten(doc, errors, schema, ()))


def _flatten(doc: Document, errors: Any, where: Schema | mf.Field | None,
             path: tuple[str | int, ...]) -> Iterable[Problem]:
    """Turn marshmallow's nested error dict into located problems, walking the schema beside it."""
    if isinstance(errors, list):
        for message in errors:
            if isinstance(message, str):
                yield _problem(doc, message, path, where)
            else:  # nested structures under a list of errors
                yield from _flatten(doc, message, where, path)
        return
    for key, sub in errors.items():
        if key == "_schema":
            yield from _flatten(doc, sub, where, path)
            continue
        if isinstance(where, mf.Dict):
            # {key: {"key": [...], "value": {...}}}
            for part, inner in sub.items():
                target = where.key_field if part == "key" else where.value_field
                yield from _flatten(doc, inner, target, path + (key,))
            continue
        yield from _flatten(doc, sub, _child(where, key), path + (key,))


def _child(where: Schema | mf.Field | None, key: str | int) -> Schema | mf.Field | None:
    if isinstance(where, mf.Nested):
        where = where.schema
    if isinstance(where, mf.List):
        return where.inner if isinstance(key, int) else None
    if isinstance(where, Schema):
        return where.fields.get(str(key), where)  # unknown keys keep the schema for hints
    return None


def _problem(doc: Document, message: str, path: tuple[str | int, ...],
             where: Schema | mf.Field | None) -> Problem:
    code, text, hint = f.split_message(message)
    is_key = code in ("E010",)
    if code == "E010" and path:
        owner = where.schema if isinstance(where, mf.Nested) else where
        if isinstance(owner, Schema):
            hint = f.did_you_mean(str(path[-1]), owner.fields) or "known keys: " + ", ".join(owner.fields)
        text = f"unknown key {path[-1]!r}"
    if code == "E011" and path:
        text = f"required key {path[-1]!r} is missing"
        hint = hint or f"add '{path[-1]}:' here"
    line = doc.line_of(path, key=is_key)
    return Problem(doc.file, line, join_path(*path), f"schema.{code}", text, hint)
