"""Edits made in the browser to published declarations: each one publishes a new version.

A published version is never edited in place (docs/architecture.md). An edit takes the current version's
documents, changes them, writes them out as a declaration folder and runs the same two-pass
check as `portal check`; only a clean result is published (source ``browser``). The problems
come back with their file and path, exactly as the command line would print them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.core.canonical import canonical_json
from portal.core.errors import N_, PortalError
from portal.core.heap import big_build
from portal.core.problems import Problem, has_errors
from portal.core.recent import Recent
from portal.site import Site, load_site
from portal.site.export import write_documents
from portal.site.publish import PublishResult, current_version, publish

Change = Callable[[dict[str, Any]], None]


# the last checks, by (version id, what the change says it does — else the digest of the
# changed documents): a save checks the form (the validator) and then publishes the same
# change — one check serves both, and the second finds it before copying the site again
_checked = Recent(keep=4)


# the canonical text of a version's documents, by version id: a copy to change is decoded from
# it (the C codec: ten times a deepcopy), and the version this process just published is known
# without reading the site back from the database
_texts = Recent(keep=2)


def _documents(version: Any) -> dict[str, Any]:
    text = _texts.get(version.id)
    if text is None:
        text = _texts.put(version.id, canonical_json(version.documents))
    return json.loads(text)


def said(change: Change, *what: Any) -> Change:
    """``change``, saying what it does (JSON data): the same words, the same change."""
    change.says = canonical_json({"change": list(what)})  # type: ignore[attr-defined]
    return change


def _scratch() -> str | None:
    """Where a change's site is written to be checked: a RAM-backed folder when the machine
    has one. Writing a county's 2,000 files on the disk, beside the database's commits, took
    2 s of a save (the file system's journal); in /dev/shm 0.5 s."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


@big_build
def try_change(session: Session, change: Change) -> tuple[Site | None, list[Problem]]:
    """The site the change would publish (``None`` on errors) and every problem found.

    Checked in this process (no pool forked from a web worker, whose children a killed worker
    would leave behind), with the shape cache of browser edits: the files the change leaves as
    they were are not shaped again, so a save on a county's site takes seconds, not minutes.
    """
    version = current_version(session)
    if version is None:
        raise PortalError(N_("nothing is published yet"), hint=N_("run `portal sync` first"))
    says = getattr(change, "says", None)
    if says is not None and (known := _checked.get((version.id, says))) is not None:
        return known  # the form's check, found again by the save
    documents = _documents(version)
    change(documents)
    # a change that says what it does is known by that; another by the documents it makes
    key = (version.id, says if says is not None
           else hashlib.sha256(canonical_json(documents).encode()).hexdigest())
    known = _checked.get(key)
    if known is None:
        with tempfile.TemporaryDirectory(prefix="portal-edit-", dir=_scratch()) as tmp:
            folder = Path(tmp) / "site"
            write_documents(documents, folder, None)
            site, problems = load_site(folder, workers=1, use_cache="browser-edits")
        known = _checked.put(key, ((None if has_errors(problems) else site), problems))
    return known


@big_build
def publish_change(session: Session, change: Change, by: str) -> tuple[PublishResult | None,
                                                                       list[Problem]]:
    """Check the change and, when clean, publish it as a new version made in the browser."""
    site, problems = try_change(session, change)
    if site is None:
        return None, problems
    with unscoped():  # publishing writes every sub-center's rows, not only the editor's
        result = publish(session, site, by=by, source="browser")
    _texts.put(result.version.id, site.canonical)
    return result, problems


def set_subcenter(code: str, values: dict[str, Any]) -> Change:
    def change(documents: dict[str, Any]) -> None:
        documents["subcenters"][code].update(values)

    return said(change, "subcenter", code, values)


def set_window(subcenter: str, code: str, values: dict[str, Any]) -> Change:
    def change(documents: dict[str, Any]) -> None:
        for window in documents["subcenters"][subcenter]["windows"]:
            if window["code"] == code:
                window.update(values)

    return said(change, "window", subcenter, code, values)
