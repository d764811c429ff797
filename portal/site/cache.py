"""A per-user cache of the shape pass, so re-checking a large folder costs only changed files.

An entry is keyed by the file's bytes, its kind and the engine's own source: editing a file,
upgrading the engine or its libraries all miss the cache. The cross-file pass always runs.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

_LIBRARIES = ("marshmallow", "PyYAML", "python-stdnum", "chinese-calendar")
FINGERPRINTED = ("site", "forms", "core")  # the packages the checker is made of and imports
REWRITE_FROM = 20  # files shaped anew that make the cache worth writing again


def cache_dir() -> Path | None:
    """``$PORTAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/portal`` or ``~/.cache/portal``; '' turns it off."""
    configured = os.environ.get("PORTAL_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "portal"


@cache
def engine_fingerprint() -> bytes:
    """Hash of the checker's source (the packages it is made of and imports: site, forms,
    core) and of the libraries it delegates to."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent  # portal/
    for path in sorted(p for name in FINGERPRINTED for p in (package / name).glob("*.py")):
        digest.update(path.read_bytes())
    for name in _LIBRARIES:
        digest.update(f"{name}={metadata.version(name)};".encode())
    return digest.digest()


def entry_key(kind: str, rel: str, raw: bytes) -> str:
    digest = hashlib.sha256(engine_fingerprint())
    digest.update(f"{kind}\0{rel}\0".encode())
    digest.update(raw)
    return digest.hexdigest()


class ShapeCache:
    """All entries of one site folder in one file, read once and written once per run."""

    def __init__(self, root: Path, name: str | None = None) -> None:
        """The cache of the folder at ``root`` — or, given ``name``, of folders written anew
        at a fresh place each time (the browser's edits): entries are keyed by path inside the
        site and bytes, so they hold wherever the folder is."""
        directory = cache_dir()
        self.path = None
        self.entries: dict[str, Any] = {}
        self.fresh: dict[str, Any] = {}
        if directory is None:
            return
        name = name or hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
        self.path = directory / f"shapes-{name}.pickle"
        try:
            with self.path.open("rb") as handle:
                entries = pickle.load(handle)
            if isinstance(entries, dict):
                self.entries = entries
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            self.entries = {}

    def get(self, key: str) -> Any:
        value = self.entries.get(key)
        if value is not None:
            self.fresh[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self.fresh[key] = value

    def save(self) -> None:
        """Keep only this run's entries; a cache that cannot be written is simply not kept.

        The cache is rewritten only when a run shaped a good number of files anew (or most of
        them: a first run, a small site): an edit changes a file or two, whose shapes cost
        milliseconds to redo, while writing the cache of a county's 2,000 files costs a third
        of a second — on every `portal sync` and every browser save."""
        if self.path is None or self.fresh.keys() == self.entries.keys():
            return
        new = len(self.fresh.keys() - self.entries.keys())
        if new < REWRITE_FROM and 2 * new < len(self.fresh):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=self.path.parent, delete=False) as handle:
                pickle.dump(self.fresh, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(handle.name, self.path)
        except OSError:
            pass
