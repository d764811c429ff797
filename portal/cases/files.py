"""Where stored files live: one interface, two backends, content-addressed (by SHA-256).

- ``FolderStore``: a folder of this host (``PORTAL_UPLOAD_DIR``, default ``instance/uploads``),
  ``<sha[:2]>/<sha>``: the embedded default.
- ``DatabaseStore``: the ``stored_file`` table of the portal's own database
  (``PORTAL_FILE_STORE=database``): what several hosts share in production. The database is
  already the one piece every host reaches, that is backed up (``portal backup``'s dump holds
  the files with the cases that name them) and replicated; an object store would be one more
  server to run, secure and back up in step with the database. Materials are small (the forms
  take files of up to 20 MB), so ``bytea`` serves them well.

A file is written once under its digest (a second upload of the same bytes writes nothing) and
never changed; ``portal uploads clean`` removes the files no case names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from portal.models import StoredFile


class FileStore(Protocol):
    def put(self, content: bytes) -> str:
        """Keep ``content``; its SHA-256 (hex)."""

    def get(self, sha256: str) -> bytes | None:
        """The content kept under ``sha256``, or ``None``."""

    def has(self, sha256: str) -> bool: ...

    def stored(self) -> Iterator[tuple[str, float]]:
        """Every file kept: (SHA-256, when it was written, as a POSIX time)."""

    def remove(self, sha256: str) -> None: ...


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class FolderStore:
    """Files in a folder of this host."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_of(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        sha = digest(content)
        path = self.path_of(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(content)
            tmp.replace(path)
        return sha

    def get(self, sha256: str) -> bytes | None:
        path = self.path_of(sha256)
        return path.read_bytes() if path.is_file() else None

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def stored(self) -> Iterator[tuple[str, float]]:
        """(leftover ``.part`` files of interrupted writes too: they are never named)"""
        if self.folder.is_dir():
            for path in self.folder.glob("*/*"):
                if path.is_file():
                    yield path.name, path.stat().st_mtime

    def remove(self, sha256: str) -> None:
        for path in (self.path_of(sha256), self.path_of(sha256).with_suffix(".part")):
            path.unlink(missing_ok=True)


class DatabaseStore:
    """Files in the portal's database (``stored_file``), each written in its own short
    transaction beside whatever the request does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, content: bytes) -> str:
        sha = digest(content)
        if self.has(sha):
            return sha
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(StoredFile).values(
                    sha256=sha, size=len(content), content=content,
                    stored_at=dt.datetime.now(dt.UTC)))
        except IntegrityError:  # the same bytes, uploaded at the same moment elsewhere
            pass
        return sha

    def get(self, sha256: str) -> bytes | None:
        with self.engine.connect() as connection:
            return connection.scalar(select(StoredFile.content).where(StoredFile.sha256 == sha256))

    def has(self, sha256: str) -> bool:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).where(StoredFile.sha256 == sha256)) > 0

    def stored(self) -> Iterator[tuple[str, float]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(StoredFile.sha256, StoredFile.stored_at)).all()
        for sha, at in rows:
            moment = at if at.tzinfo else at.replace(tzinfo=dt.UTC)  # SQLite gives naive times
            yield sha, moment.timestamp()

    def remove(self, sha256: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(StoredFile).where(StoredFile.sha256 == sha256))


def unnamed(store: FileStore, kept: set[str], older_than: float) -> list[str]:
    """The files of ``store`` no case names (``kept``), written more than ``older_than``
    seconds ago."""
    now = time.time()
    return [sha for sha, written in store.stored()
            if (sha.endswith(".part") or sha not in kept) and now - written > older_than]
