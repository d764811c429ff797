"""Uploaded material files: stored once by content, referred to by signed tokens.

A file is stored as soon as its upload passes its own checks, even when another field of the
form is refused: the page that comes back lists it as kept (a signed token in the form), so the
clerk never uploads it twice. A token cannot be forged to reach someone else's file. A file no
case or draft keeps is removed by ``portal uploads clean`` (``portal.cases.files.unnamed``) once
it is older than a day — the time a clerk may take to finish a refused form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.cases.files import FileStore

KEPT_SUFFIX = "__kept"  # form key of an upload field's kept files: <field>__kept


@dataclass(frozen=True)
class UploadStore:
    """Where the files are kept (a ``FileStore``: this host's folder, or the database every
    host shares — ``PORTAL_FILE_STORE``), and the secret their tokens are signed with."""

    files: FileStore
    secret: str

    def _signer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt="portal-upload")

    def read(self, meta: Mapping[str, Any]) -> bytes | None:
        """The file a case records (``None`` when it is not kept)."""
        return self.files.get(meta["sha256"])

    def store(self, upload: FileStorage) -> dict[str, Any]:
        """Keep the file under its SHA-256; return what a case records of it."""
        upload.stream.seek(0)
        content = upload.stream.read()
        sha = self.files.put(content)
        name = upload.filename or secure_filename(sha)
        return {"name": name, "sha256": sha, "size": len(content),
                "type": upload.mimetype or "application/octet-stream"}

    def token(self, meta: Mapping[str, Any]) -> str:
        return self._signer().dumps({k: meta[k] for k in ("name", "sha256", "size", "type")})

    def kept_files(self, tokens: Iterable[str]) -> list[dict[str, Any]]:
        """The files named by genuine tokens; a forged or altered token is ignored."""
        out = []
        for value in tokens:
            try:
                meta = self._signer().loads(value)
            except BadSignature:
                continue
            if isinstance(meta, dict) and isinstance(meta.get("sha256"), str) \
                    and self.files.has(meta["sha256"]):
                out.append(meta)
        return out


def is_file(value: Any) -> bool:
    """Whether ``value`` is what a case records of a stored file (``store``'s answer)."""
    return isinstance(value, dict) and isinstance(value.get("sha256"), str) and "size" in value


def referenced(data: Any) -> Iterator[str]:
    """The SHA-256 of every file a case's data names (at any depth)."""
    if isinstance(data, dict):
        if is_file(data):
            yield data["sha256"]
        for value in data.values():
            yield from referenced(value)
    elif isinstance(data, list):
        for value in data:
            yield from referenced(value)
