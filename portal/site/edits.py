"""Edits made in the browser to published declarations: each one publishes a new version.

A published version is never edited in place (docs/architecture.md). An edit takes the current version's
documents, changes them, writes them out as a declaration folder and runs the same two-pass
check as `portal check`; only a clean result is published (source ``browser``). The problems
come back with their file and path, exactly as the command line would print them.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.core.canonical import canonical_json
from portal.core.errors import PortalError
from portal.core.heap import big_build
from portal.core.problems import Problem, has_errors
from portal.core.recent import Recent
from portal.site import Site, load_site
from portal.site.export import write_documents
from portal.site.publish import PublishResult, current_version, publish

Change = Callable[[dict[str, Any]], None]


# the last checks, by (version id, digest of the changed documents): a save checks the form
# (the validator) and then publishes the same change — one check serves both
_checked = Recent(keep=2)


@big_build
def try_change(session: Session, change: Change) -> tuple[Site | None, list[Problem]]:
    """The site the change would publish (``None`` on errors) and every problem found.

    Checked in this process (no pool forked from a web worker, whose children a killed worker
    would leave behind), with the shape cache of browser edits: the files the change leaves as
    they were are not shaped again, so a save on a county's site takes seconds, not minutes.
    """
    version = current_version(session)
    if version is None:
        raise PortalError("nothing is published yet", hint="run `portal sync` first")
    # a copy to change (plain JSON: a round trip through the C codec is ten times a deepcopy)
    documents = json.loads(json.dumps(version.documents, ensure_ascii=False))
    change(documents)
    key = (version.id, hashlib.sha256(canonical_json(documents).encode()).hexdigest())
    known = _checked.get(key)
    if known is not None:
        return known
    with tempfile.TemporaryDirectory(prefix="portal-edit-") as tmp:
        folder = Path(tmp) / "site"
        write_documents(documents, folder, None)
        site, problems = load_site(folder, workers=1, use_cache="browser-edits")
    return _checked.put(key, ((None if has_errors(problems) else site), problems))


@big_build
def publish_change(session: Session, change: Change, by: str) -> tuple[PublishResult | None,
                                                                       list[Problem]]:
    """Check the change and, when clean, publish it as a new version made in the browser."""
    site, problems = try_change(session, change)
    if site is None:
        return None, problems
    with unscoped():  # publishing writes every sub-center's rows, not only the editor's
        return publish(session, site, by=by, source="browser"), problems


def set_subcenter(code: str, values: dict[str, Any]) -> Change:
    def change(documents: dict[str, Any]) -> None:
        documents["subcenters"][code].update(values)

    return change


def set_window(subcenter: str, code: str, values: dict[str, Any]) -> Change:
    def change(documents: dict[str, Any]) -> None:
        for window in documents["subcenters"][subcenter]["windows"]:
            if window["code"] == code:
                window.update(values)

    return change
