"""Uploaded material files: stored once by content, referred to by signed tokens.

A file is stored as soon as its upload passes its own checks, even when another field of the
form is refused: the page that comes back lists it as kept (a signed token in the form), so the
clerk never uploads it twice. A token cannot be forged to reach someone else's file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

KEPT_SUFFIX = "__kept"  # form key of an upload field's kept files: <field>__kept


def upload_dir() -> Path:
    configured = current_app.config.get("PORTAL_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portal-upload")


def store(upload: FileStorage) -> dict[str, Any]:
    """Keep the file under its SHA-256; return what a case records of it."""
    digest = hashlib.sha256()
    upload.stream.seek(0)
    content = upload.stream.read()
    digest.update(content)
    sha = digest.hexdigest()
    path = upload_dir() / sha[:2] / sha
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    name = upload.filename or secure_filename(sha)
    return {"name": name, "sha256": sha, "size": len(content),
            "type": upload.mimetype or "application/octet-stream"}


def token(meta: Mapping[str, Any]) -> str:
    return _signer().dumps({k: meta[k] for k in ("name", "sha256", "size", "type")})


def kept_files(tokens: Iterable[str]) -> list[dict[str, Any]]:
    """The files named by genuine tokens; a forged or altered token is ignored."""
    out = []
    for value in tokens:
        try:
            meta = _signer().loads(value)
        except BadSignature:
            continue
        if isinstance(meta, dict) and (upload_dir() / meta["sha256"][:2] / meta["sha256"]).exists():
            out.append(meta)
    return out


def path_of(meta: Mapping[str, Any]) -> Path:
    return upload_dir() / meta["sha256"][:2] / meta["sha256"]
