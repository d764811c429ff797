"""Uploaded materials as an applicant's scans and an attacker's files reach the counter: the bytes
must be what the name says, an empty file is refused, a file no case keeps is cleaned up, and a
kept file is opened — as a download — by those who may see the case, and by nobody else."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import Case, db
from tests.support.world import signed_in
from tests.test_intake import GOOD, at_the_counter, post


@pytest.fixture
def counter(published):
    return at_the_counter(published)


# real-shaped heads of the formats the forms accept
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
       b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"></svg>'
HTML = b"<html><script>fetch('/api/v1/cases/')</script></html>"


def _files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "uploads"
    return sorted(p for p in folder.glob("*/*") if p.is_file()) if folder.is_dir() else []


@pytest.mark.parametrize(("name", "content", "said"), [
    ("户口簿.pdf", EXE, "不是 PDF 文件"),        # a program named .pdf
    ("户口簿.pdf", ELF, "不是 PDF 文件"),
    ("户口簿.png", SVG, "不是 PNG 文件"),        # active content named .png
    ("户口簿.jpg", PNG, "不是 JPG 文件"),        # a real picture, not what its name says
    ("户口簿.pdf", b"", "是空文件"),
])
def test_a_file_whose_bytes_are_not_what_its_name_says_is_refused(counter, tmp_path, name, content,
                                                                   said) -> None:
    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    response = post(client, f"/intake/{mine}/new", GOOD, files={"scan_hukou": [(io.BytesIO(content), name)]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and said in page
    assert 'value="王秀英"' in page  # the rest of what was typed is kept
    assert _files(tmp_path) == []  # and the file is not stored


def test_a_good_scan_chosen_with_a_bad_one_is_kept_and_listed(counter, tmp_path) -> None:
    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    response = post(client, f"/intake/{mine}/new", GOOD, files={"scan_hukou": [
        (io.BytesIO(PDF), "户口簿.pdf"), (io.BytesIO(SVG), "户口簿第2页.png")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "户口簿第2页.png 的内容不是 PNG 文件" in page
    assert [p.read_bytes() for p in _files(tmp_path)] == [PDF]  # the good one stored, the bad not
    token = re.search(r'name="scan_hukou__kept" value="([^"]+)"', page)
    assert token, "the good file is listed as kept"
    body = {**GOOD, "scan_hukou__kept": token.group(1)}
    done = post(client, f"/intake/{mine}/new", body)
    assert done.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert [f["name"] for f in case.data["scan_hukou"]] == ["户口簿.pdf"]


@pytest.mark.parametrize(("name", "content"), [("户口簿.pdf", PDF), ("户口簿.PNG", PNG),
                                              ("户口簿.jpeg", JPG)])
def test_scans_in_the_declared_formats_are_taken(counter, tmp_path, name, content) -> None:
    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    response = post(client, f"/intake/{mine}/new", GOOD, files={"scan_hukou": [(io.BytesIO(content), name)]})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert [p.read_bytes() for p in _files(tmp_path)] == [content]


def _submitted_with(app, client, mine: int, files) -> Case:
    response = post(client, f"/intake/{mine}/new", GOOD, files={"scan_hukou": files})
    page = response.get_data(as_text=True)
    assert response.status_code == 302, re.findall(r"help-block[^>]*>([^<]+)", page)
    with app.app_context():
        return db.session.scalars(select(Case).order_by(Case.id.desc())).first()


def test_the_materials_open_as_downloads_for_those_who_see_the_case(counter, tmp_path) -> None:
    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    # a PNG whose browser said text/html: stored as sent, never served as a page
    disguised = (io.BytesIO(PNG), "户口簿.png", "text/html")
    case = _submitted_with(app, client, mine, [(io.BytesIO(PDF), "户口簿 第1页.pdf"), disguised])
    page = client.get(f"/cases/show/{case.id}").get_data(as_text=True)
    links = re.findall(r'href="(/materials/\d+/[0-9a-f]{64})"', page)
    assert len(links) == 2
    first = client.get(links[0])
    assert first.status_code == 200 and first.data == PDF
    assert first.headers["Content-Disposition"].startswith("attachment;")
    assert "%E6%88%B7%E5%8F%A3%E7%B0%BF" in first.headers["Content-Disposition"]  # 户口簿, its own name
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Content-Type"] == "application/pdf"
    second = client.get(links[1])
    assert second.headers["Content-Type"] == "application/octet-stream"  # not the text/html it claimed
    assert second.headers["Content-Disposition"].startswith("attachment;")
    for other in ("mz-manager", "center-auditor"):  # they see the case, so they open its files
        assert signed_in(app, other).get(links[0]).status_code == 200
    for other in ("ws-clerk", "ws-manager", "rs-auditor"):
        assert signed_in(app, other).get(links[0]).status_code == 404
    sha = links[0].rsplit("/", 1)[1]
    with app.app_context():
        other_case = db.session.scalars(select(Case).where(Case.id != case.id)).first()
    if other_case is not None:  # a file is reached only through the case that names it
        assert client.get(f"/materials/{other_case.id}/{sha}").status_code == 404
    assert client.get(f"/materials/{case.id}/{'0' * 64}").status_code == 404


def test_a_pdf_or_a_picture_is_shown_in_the_case_pages_viewer_and_nothing_else_is(counter, tmp_path) -> None:
    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    disguised = (io.BytesIO(PNG), "户口簿.png", "text/html")  # the browser's claim is not believed
    case = _submitted_with(app, client, mine, [(io.BytesIO(PDF), "户口簿 第1页.pdf"), disguised])
    with app.app_context():  # another site's form may take a spreadsheet: stored like any file
        from werkzeug.datastructures import FileStorage

        from portal.cases.files import FolderStore
        from portal.cases.uploads import UploadStore
        stored = UploadStore(FolderStore(tmp_path / "uploads"), app.config["SECRET_KEY"]).store(
            FileStorage(io.BytesIO(b"name,id\n"), "清单.csv", content_type="text/csv"))
        record = db.session.get(Case, case.id)
        record.data = {**record.data, "scan_hukou": [*record.data["scan_hukou"], stored]}
        db.session.commit()
    page = client.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert 'data-testid="viewer"' in page and 'name="portal-viewer"' in page
    shown = re.findall(r'href="(/materials/\d+/[0-9a-f]{64}/(?:view|frame))" target="portal-viewer"', page)
    assert len(shown) == 2  # the PDF and the picture; the CSV is only downloaded
    pdf, frame = (client.get(url) for url in shown)
    # the picture in a page of its own that fits it to the viewer
    assert shown[1].endswith("/frame") and frame.status_code == 200
    picture = re.search(r'<img src="([^"]+)"', frame.get_data(as_text=True)).group(1)
    assert picture == shown[1].replace("/frame", "/view")
    png = client.get(picture)
    assert (pdf.status_code, pdf.data, pdf.mimetype) == (200, PDF, "application/pdf")
    assert (png.status_code, png.mimetype) == (200, "image/png")
    for response in (pdf, png, frame):
        assert response.headers.get("Content-Disposition", "inline;").startswith("inline;")
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
        assert "script-src" not in policy  # no script at all, not even the page's nonce
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in client.get(f"/cases/show/{case.id}").headers["Content-Security-Policy"]
    csv_sha = stored["sha256"]
    assert f"/materials/{case.id}/{csv_sha}\" download" in page  # listed, to download
    refused = client.get(f"/materials/{case.id}/{csv_sha}/view")  # downloaded only
    assert refused.status_code == 404 and "此材料不能在此查看，请下载。" in refused.get_data(as_text=True)
    assert "navbar" not in refused.get_data(as_text=True)  # a line for the pane, not a whole page
    assert client.get(f"/materials/{case.id}/{csv_sha}").status_code == 200
    assert signed_in(app, "center-auditor").get(shown[0]).status_code == 200
    for other in ("ws-clerk", "ws-manager"):
        foreign = signed_in(app, other).get(shown[0])
        assert foreign.status_code == 404 and "没有此材料，或您无权查看。" in foreign.get_data(as_text=True)


def test_files_no_case_keeps_are_cleaned_up(counter, tmp_path) -> None:
    from tests.test_publish import run

    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    refused = post(client, f"/intake/{mine}/new", {**GOOD, "mobile": "1"},
                   files={"scan_hukou": [(io.BytesIO(PDF + b"left behind"), "户口簿.pdf")]})
    assert refused.status_code == 422 and len(_files(tmp_path)) == 1  # kept for the second try
    _submitted_with(app, client, mine, [(io.BytesIO(PNG), "户口簿.png")])
    assert len(_files(tmp_path)) == 2
    fresh = run(app, "uploads", "clean")
    assert "0 file(s) no case keeps removed" in fresh.output  # a clerk may still come back to it
    for path in _files(tmp_path):
        os.utime(path, (0, 0))  # as if written long ago
    result = run(app, "uploads", "clean")
    assert result.exit_code == 0 and "1 file(s) no case keeps removed" in result.output
    assert [p.read_bytes() for p in _files(tmp_path)] == [PNG]


def test_files_kept_in_the_database_are_served_and_cleaned_up_like_a_folders(counter, tmp_path) -> None:
    """PORTAL_FILE_STORE=database: what several hosts share (tests/test_hosts.py)."""
    from sqlalchemy import func, update

    from portal.models import StoredFile
    from tests.test_publish import run

    app, client, (mine, _) = counter
    app.config.update(PORTAL_FILE_STORE="database", PORTAL_UPLOAD_DIR=str(tmp_path / "uploads"))
    refused = post(client, f"/intake/{mine}/new", {**GOOD, "mobile": "1"},
                   files={"scan_hukou": [(io.BytesIO(PDF + b"left behind"), "户口簿.pdf")]})
    assert refused.status_code == 422
    case = _submitted_with(app, client, mine, [(io.BytesIO(PNG), "户口簿.png")]).id
    _submitted_with(app, client, mine, [(io.BytesIO(PNG), "户口簿（再交一次）.png")])  # same bytes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 2  # once each
        sha = db.session.get(Case, case).data["scan_hukou"][0]["sha256"]
    assert not (tmp_path / "uploads").exists()
    opened = client.get(f"/materials/{case}/{sha}")
    assert opened.status_code == 200 and opened.data == PNG
    with app.app_context():
        db.session.execute(update(StoredFile).values(stored_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
        db.session.commit()
    result = run(app, "uploads", "clean")
    assert result.exit_code == 0 and "1 file(s) no case keeps removed" in result.output
    with app.app_context():
        assert db.session.scalars(select(StoredFile.content)).all() == [PNG]
