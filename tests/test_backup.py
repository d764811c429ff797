"""`portal backup` and `portal restore`: the database and the materials together, restored into a
new, empty database and checked — every case, every event, the chain intact, the files there;
refused into a database that has tables, and failing under another audit key."""

from __future__ import annotations

import io
import json

from werkzeug.datastructures import FileStorage

from portal.cases.audit import append
from portal.cases.files import FolderStore
from portal.cases.uploads import UploadStore
from portal.models import Case, db
from tests.support.world import add_cases
from tests.test_publish import run

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
       b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")


def _app(url: str, uploads, audit_key: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40,
                       "PORTAL_AUDIT_KEY": audit_key, "PORTAL_UPLOAD_DIR": str(uploads)})


def test_a_backup_restores_into_an_empty_database_with_its_files_and_an_intact_chain(
        published, server, tmp_path) -> None:
    key = published.config["PORTAL_AUDIT_KEY"]
    published.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    with published.app_context():
        cases = add_cases(per_window=1)[:3]
        stored = UploadStore(FolderStore(tmp_path / "uploads"), "b" * 40).store(
            FileStorage(io.BytesIO(PNG), "户口簿.png", content_type="image/png"))
        for row in cases:
            case = db.session.get(Case, row.id)
            case.data = {**case.data, "scan_hukou": [stored]}
            for kind in ("submit", "accept"):
                append(db.session, case, kind, "mz-clerk", {"note": kind})
            db.session.commit()
    made = run(published, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["events"] == 6 and manifest["files"] == 1 and sum(manifest["audit_heads"].values()) == 6

    target = _app(server.create_empty("restored"), tmp_path / "restored-uploads", key)
    try:
        done = run(target, "restore", str(tmp_path / "backup"))
        assert done.exit_code == 0, done.output
        assert "6 events (chain intact)" in done.output
        with target.app_context():
            assert db.session.query(Case).count() == manifest["cases"]
        assert (tmp_path / "restored-uploads" / stored["sha256"][:2] / stored["sha256"]).read_bytes() == PNG
        assert run(target, "audit", "verify").exit_code == 0
        again = run(target, "restore", str(tmp_path / "backup"))  # the database has tables now
        assert again.exit_code != 0 and "already has tables" in again.output
        refused = run(published, "backup", str(tmp_path / "backup"))
        assert refused.exit_code != 0 and "is not empty" in refused.output
    finally:
        _close(target, server, "restored")

    stranger = _app(server.create_empty("stranger"), tmp_path / "stranger-uploads", "another-" + "k" * 40)
    try:
        wrong = run(stranger, "restore", str(tmp_path / "backup"))
        assert wrong.exit_code != 0 and "PORTAL_AUDIT_KEY" in wrong.output
    finally:
        _close(stranger, server, "stranger")


def _close(app, server, name: str) -> None:
    """No connection outlives the database made for the test."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    server.drop(name)
