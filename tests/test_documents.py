"""A case's documents as a clerk prints them and as anyone checks them: Chinese text that can be
read back, Noto CJK embedded and subset, numbers per sub-center, kind and year, issued once
(a reprint is the same file, logged), a QR check page that tells genuine from forged or
altered, and templates that cannot reach outside their sandbox."""

from __future__ import annotations

import hashlib
import io
import re
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text, update
from werkzeug.datastructures import MultiDict

from portal.access.scope import unscoped
from portal.cases import lifecycle
from portal.cases.intake import save_application, spec_of
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.documents.issuing import masked
from portal.documents.render import DocumentError, render_html, render_pdf
from portal.forms.build import check_submission
from portal.models import Case, CaseEvent, IssuedDocument, Item, Offering, SubCenter, db
from portal.web.current import current_site
from portal.web.errors import error_text
from tests.support.browser import ARTIFACTS
from tests.support.world import PASSWORD, csrf_token, login
from tests.test_intake import GOOD
from tests.test_process import BOSS, CLERK_A


def pdf_text(pdf: bytes) -> str:
    """The text of every page, white space removed (titles are letter-spaced, lines wrap)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def pdf_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) of every font the pages use."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append((str(font["/BaseFont"]), embedded))
    return out


def new_case(app) -> int:
    with app.app_context():
        place = db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-dibao")).one()
        checked = check_submission(spec_of(place.form_version), MultiDict(GOOD))
        return save_application(db.session, current_site(), place, place.windows[0], checked, submit=True,
                                by="mz-clerk").id


def completed_case(app) -> int:
    case_id = new_case(app)
    with app.test_request_context(), unscoped():
        site, case = current_site(), db.session.get(Case, case_id)
        lifecycle.accept(db.session, site, case, CLERK_A)
        lifecycle.advance(db.session, case, BOSS, "属实")
        lifecycle.advance(db.session, case, BOSS, "同意")
        lifecycle.complete(db.session, site, case, CLERK_A, "approved", "低保证已制发")
    return case_id


@pytest.fixture
def clerk(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    client = published.test_client()
    login(client, "mz-clerk")
    client.token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    return client


def print_(client, case_id: int, kind: str):
    return client.post(f"/documents/{case_id}/{kind}", data={"csrf_token": client.token})


def test_every_document_of_a_completed_case_reads_back_in_chinese(published, clerk) -> None:
    case_id = completed_case(published)
    with published.app_context():
        number = db.session.get(Case, case_id).number
    expected = {"acceptance": ["受理通知书", "予以受理", "15个工作日内办结"],
                "completion": ["办结通知书", "办理结果：准予", "低保证已制发"],
                "certificate": ["最低生活保障金领取证", "句容市民政局（盖章）", "11010519491231002X",
                                "共同生活家庭成员1人", "低保证已制发", "保障起始年月2026年"]}
    for kind, phrases in expected.items():
        response = print_(clerk, case_id, kind)
        assert response.status_code == 200 and response.mimetype == "application/pdf", kind
        pdf = response.data
        words = pdf_text(pdf)
        for phrase in [*phrases, "王秀英", "句容市政务服务民政分中心", response.headers["X-Document-Number"]]:
            assert phrase in words, (kind, phrase)
        assert number in words and "句容市政务服务中心" in words  # the case and the center, on every one
        if kind != "certificate":
            assert "句容市政务服务民政分中心（盖章）" in words  # where the seal goes
        fonts = pdf_fonts(pdf)
        assert fonts and all(embedded for _, embedded in fonts), fonts
        subset_noto = r"/[A-Z]{6}\+Noto-(Serif|Sans)-CJK-SC(-Bold)?"  # subset: a six-letter tag
        assert all(re.fullmatch(subset_noto, name) for name, _ in fonts), fonts
        assert hashlib.sha256(pdf).hexdigest() == response.headers["X-Document-SHA256"]
        root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]  # archival: PDF/A-3b
        xmp = root["/Metadata"].get_object().get_data()
        assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp and "/OutputIntents" in root
        ARTIFACTS.mkdir(exist_ok=True)  # for looking at: pdftoppm -png test-artifacts/doc-*.pdf
        (ARTIFACTS / f"doc-{kind}.pdf").write_bytes(pdf)


def test_numbers_per_sub_center_kind_and_year_and_a_reprint_is_the_same_file(published, clerk) -> None:
    first, second = completed_case(published), completed_case(published)
    a = print_(clerk, first, "acceptance")
    b = print_(clerk, second, "acceptance")
    c = print_(clerk, first, "completion")
    assert [r.headers["X-Document-Number"] for r in (a, b, c)] == [
        "MZ-SL-2026-00001", "MZ-SL-2026-00002", "MZ-BJ-2026-00001"]
    again = print_(clerk, first, "acceptance")
    assert again.headers["X-Document-Reprint"] == "1" and again.data == a.data
    with published.app_context():
        kinds = [(e.kind, e.data.get("document")) for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == first).order_by(CaseEvent.seq))]
        assert ("print", "MZ-SL-2026-00001") in kinds and kinds[-1] == ("reprint", "MZ-SL-2026-00001")
        assert db.session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == first)).all()
    page = clerk.get(f"/cases/show/{first}").get_data(as_text=True)
    assert "MZ-SL-2026-00001" in page and "补打" in page
    # the log names the document by its title, never by the stored kind
    assert re.search(r"类别[:：]\s*(</[^>]+>\s*)*(<[^>]+>\s*)*受理通知书", page)
    assert not re.search(r">\s*(acceptance|completion)\s*<", page)


def test_a_document_the_case_has_not_reached_is_refused(published, clerk) -> None:
    case_id = new_case(published)  # submitted, not accepted
    response = print_(clerk, case_id, "completion")
    assert response.status_code == 302
    assert "当前没有“办结通知书”文书" in clerk.get(f"/cases/show/{case_id}").get_data(as_text=True)


def test_the_qr_check_page_tells_genuine_from_forged_and_altered(published, clerk) -> None:
    case_id = completed_case(published)
    pdf = print_(clerk, case_id, "certificate").data
    with published.app_context():
        stored = db.session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case_id)).one()
        number = stored.number
    anyone = published.test_client()  # not signed in
    token = _token_in(published, number)
    genuine = anyone.get(f"/verify/{token}")
    page = genuine.get_data(as_text=True)
    assert genuine.status_code == 200 and 'data-verdict="genuine"' in page
    for shown in (number, "王*英", "句容市政务服务民政分中心", "最低生活保障金领取证"):
        assert shown in page
    assert "王秀英" not in page and "11010519491231002X" not in page  # nothing else exposed
    forged = anyone.get(f"/verify/{token[:-2]}xx")
    assert forged.status_code == 404 and 'data-verdict="forged"' in forged.get_data(as_text=True)
    with published.app_context():  # someone edits the stored PDF in the database directly
        table = IssuedDocument.__table__
        db.session.execute(update(table).where(table.c.number == number)
                           .values(pdf=pdf.replace(b"%%EOF", b"%%EOF\n% edited")))
        db.session.commit()
    altered = anyone.get(f"/verify/{token}")
    assert altered.status_code == 404 and 'data-verdict="altered"' in altered.get_data(as_text=True)
    forged_pdf = pdf.replace(b"%%EOF", b"%%EOF\n% forged")  # and its hash row rewritten too
    with published.app_context():
        db.session.execute(update(table).where(table.c.number == number).values(
            pdf=forged_pdf, sha256=hashlib.sha256(forged_pdf).hexdigest()))
        db.session.commit()
    again = anyone.get(f"/verify/{token}")  # the print event in the audit chain still disagrees
    assert again.status_code == 404 and 'data-verdict="altered"' in again.get_data(as_text=True)


def _token_in(app, number: str) -> str:
    """The token the document's QR code carries (its verify URL is printed under it)."""
    from portal.documents.issuing import signer

    token = signer(app.config["SECRET_KEY"]).dumps({"n": number})
    assert token
    return token


def test_twelve_clerks_printing_at_once_get_twelve_numbers(published) -> None:
    cases = [new_case(published) for _ in range(12)]
    with published.test_request_context(), unscoped():
        site = current_site()
        for case_id in cases:
            lifecycle.accept(db.session, site, db.session.get(Case, case_id), CLERK_A)
    numbers, errors = [], []

    def one(case_id: int) -> None:
        from portal.documents import issuing

        try:
            with published.test_request_context(), unscoped():
                case = db.session.get(Case, case_id)
                document, _ = issuing.issue(db.session, current_site(), case, "acceptance", CLERK_A,
                                            lambda t: "https://portal.invalid/verify/" + t,
                                            published.config["SECRET_KEY"])
                numbers.append(document.number)
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"MZ-SL-2026-{n:05d}" for n in range(1, 13)]


def test_templates_run_in_a_sandbox_and_errors_name_template_and_line(published) -> None:
    with published.test_request_context():
        templates = dict(current_site().templates)
    templates["evil.html"] = "<p>受理</p>\n{{ case.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(DocumentError, match=r"evil.html:2: refused by the sandbox"):
        render_html(templates, "evil.html", {"case": {"number": "x"}})
    templates["broken.html"] = "<p>\n{% if %}\n</p>"
    with pytest.raises(DocumentError, match=r"broken.html:2: "):
        render_html(templates, "broken.html", {})
    unprintable = r"：已安装的字体都没有字符 “\U000F0000”（U\+F0000），文书无法打印（"
    with pytest.raises(DocumentError, match=r"no installed font has the character") as raised:
        render_pdf(templates, "<p>受理通知书 \U000F0000 王\U000F0000</p>")  # named once
    with published.test_request_context():  # in the page's language: Chinese
        assert re.search(unprintable, error_text(raised.value)), error_text(raised.value)
    with pytest.raises(DocumentError, match=r"http://example.com/seal.png: documents load nothing"):
        render_pdf(templates, "<p>受理</p><img src='http://example.com/seal.png'>")
    assert masked("王秀英") == "王*英" and masked("王五") == "王*" and masked("欧阳娜娜") == "欧**娜"
    with published.app_context():
        db.session.execute(text("SELECT 1"))


def test_the_public_guide_and_blank_form_need_no_login(published) -> None:
    anyone = published.test_client()
    guide = anyone.get("/guide/mz/mz-dibao.pdf")
    assert guide.status_code == 200 and guide.mimetype == "application/pdf"
    words = pdf_text(guide.data)
    for phrase in ("城乡最低生活保障对象认定办事指南", "句容市政务服务民政分中心",
                   "一、设立依据", "《社会救助暂行办法》", "三、申报材料", "家庭经济状况核对授权书",
                   "四、办理流程", "承诺办结时限：15个工作日",  # 民政's own limit
                   "经批准可延长10个工作日", "七、收费标准", "不收费", "MZ01社会救助窗口"):
        assert phrase in words, phrase
    bundle = pdf_text(anyone.get("/guide/mz/yjs-shjz.pdf").data)
    assert "本事项实行并联审批" in bundle and "句容市政务服务人社分中心" in bundle
    assert anyone.get("/guide/ws/mz-dibao.pdf").status_code == 404  # 卫生 does not offer it
    with published.app_context():
        from portal.models import FormVersion

        version = db.session.scalars(select(FormVersion).where(FormVersion.code == "mz-dibao",
                                                               FormVersion.scope == "mz")).one()
    blank = anyone.get(f"/forms/{version.id}/blank.pdf")
    assert blank.status_code == 200
    words = pdf_text(blank.data)
    for phrase in ("城乡最低生活保障申请表", "申请人姓名*", "居民身份证号码*", "□城镇□农村",
                   "共同生活的家庭成员", "与申请人关系", "（由前述各项计算）", "申请人签名"):
        assert phrase in words, phrase
    assert all(embedded for _, embedded in pdf_fonts(blank.data))
    clerk = published.test_client()
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        item_id = db.session.scalars(select(Item.id).where(Item.code == "mz-dibao")).one()
    login(clerk, "mz-clerk")  # the screens link to both
    assert "/guide/mz/mz-dibao.pdf" in clerk.get(f"/items/show/{item_id}").get_data(as_text=True)
    shown = clerk.get(f"/form_versions/show/{version.id}").get_data(as_text=True)
    assert f"/forms/{version.id}/blank.pdf" in shown


def test_a_batch_from_the_cli_shows_its_progress_and_reprints_on_a_second_run(published, tmp_path) -> None:
    import zipfile

    cases = [completed_case(published) for _ in range(3)]
    with published.app_context():
        day = db.session.get(Case, cases[0]).completed_at
    from flask.cli import ScriptInfo

    from portal.cli import main

    runner, info = published.test_cli_runner(), ScriptInfo(create_app=lambda: published)

    def portal(*args: str):
        return runner.invoke(main, args=list(args), obj=info)

    refused = portal("print-batch", "certificate")
    assert refused.exit_code != 0 and "PORTAL_PUBLIC_URL" in refused.output
    published.config["PORTAL_PUBLIC_URL"] = "https://zwfw.jurong.gov.cn"
    out = tmp_path / "today.zip"
    with published.app_context():
        from portal.cases.lifecycle import local_day

        with published.test_request_context():
            the_day = local_day(current_site(), day).isoformat()
    result = portal("print-batch", "certificate", "--day", the_day, "--by", "mz-clerk", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "办结（准予）的结果证照" in result.output and "3 documents" in result.output
    names = sorted(zipfile.ZipFile(out).namelist())
    assert names == [f"MZ-ZS-2026-{n:05d}.pdf" for n in (1, 2, 3)]
    again = portal("print-batch", "certificate", "--day", the_day, "--out", str(out))
    assert again.exit_code == 0 and sorted(zipfile.ZipFile(out).namelist()) == names  # reprints
    with published.app_context():
        assert db.session.scalar(select(text("count(*)")).select_from(IssuedDocument)) == 3


def test_a_batch_from_the_browser_runs_in_the_background_and_shows_its_progress(published, clerk) -> None:
    import time
    import zipfile

    for _ in range(2):
        completed_case(published)
    page = clerk.get("/documents/batch").get_data(as_text=True)
    assert "批量打印" in page
    with published.app_context():
        from portal.cases.lifecycle import local_day

        with published.test_request_context():

            today = local_day(current_site(), servertime.now()).isoformat()
    started = clerk.post("/documents/batch", data={"csrf_token": clerk.token, "kind": "certificate",
                                                   "day": today})
    assert started.status_code == 302
    job_url = started.headers["Location"]
    assert "批量打印" in clerk.get(job_url).get_data(as_text=True)
    for _ in range(100):
        status = clerk.get(job_url + "?format=json").get_json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status == {"done": 2, "total": 2, "state": "done", "error": None, "attempts": 1}
    archive = clerk.get(job_url + "/documents.zip")
    assert archive.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == 2
    other = published.test_client()
    login(other, "ws-clerk")
    assert other.get(job_url).status_code == 404  # a job is its requester's


def test_the_one_time_notice_lists_every_material_and_the_rejection_its_reason(published, clerk) -> None:
    noticed, rejected = new_case(published), new_case(published)
    with published.test_request_context(), unscoped():
        site = current_site()
        lifecycle.notice_missing(db.session, site, db.session.get(Case, noticed), CLERK_A,
                                 ["户口簿", "家庭成员收入证明"], "收入证明缺少单位盖章")
        lifecycle.reject(db.session, db.session.get(Case, rejected), CLERK_A, "申请人户籍不在本市")
    words = pdf_text(print_(clerk, noticed, "missing").data)
    for phrase in ("一次性告知书", "1户口簿", "2家庭成员收入证明", "说明：收入证明缺少单位盖章",
                   "MZ-GZ-2026-00001", "统一标识码321183-MZ"):
        assert phrase in words, phrase
    words = pdf_text(print_(clerk, rejected, "rejection").data)
    for phrase in ("不予受理通知书", "申请人户籍不在本市", "行政复议", "MZ-BY-2026-00001"):
        assert phrase in words, phrase


def test_a_document_states_the_days_of_the_case_not_of_the_print(published, clerk, monkeypatch) -> None:
    """Completed on one day, printed ten days later: the certificate and the notice say the day
    it was completed; a result text ending in 。 is not doubled."""
    import datetime as dt

    from portal.core import servertime

    printing = dt.datetime(2026, 12, 9, 10, tzinfo=dt.UTC)
    case_id = completed_case(published)
    with published.app_context():
        case = db.session.get(Case, case_id)
        case.completed_at = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)  # 10:00 in 句容
        db.session.commit()
        completed = "2026年11月27日"
    monkeypatch.setattr(servertime, "now", lambda: printing)
    words = pdf_text(print_(clerk, case_id, "completion").data)
    assert f"已于{completed}办结" in words and words.count(completed) >= 2  # the text and the date
    assert "2026年12月9日" not in words and "。。" not in words


def test_reprinting_an_altered_document_is_refused_and_recorded(published, clerk) -> None:
    case_id = completed_case(published)
    pdf = print_(clerk, case_id, "certificate").data
    with published.app_context():
        table = IssuedDocument.__table__
        db.session.execute(update(table).where(table.c.case_id == case_id)
                           .values(pdf=pdf.replace(b"%%EOF", b"%%EOF\n% edited")))
        db.session.commit()
    refused = print_(clerk, case_id, "certificate")
    assert refused.status_code == 302 and refused.mimetype != "application/pdf"
    page = clerk.get(refused.headers["Location"]).get_data(as_text=True)
    assert "与出具的文件不符" in page and "拒绝补打：存档文书已被改动" in page
    with published.app_context():
        kinds = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                                     .order_by(CaseEvent.seq))]
        assert kinds[-1] == "reprint_refused" and "reprint" not in kinds


def test_a_template_reading_a_field_the_form_lacks_fails_naming_its_line(published) -> None:
    templates = {"card.html": "<p>{{ case.applicant_name }}</p>\n<p>{{ case.data.nickname }}</p>"}
    with pytest.raises(DocumentError, match=r"card.html:2: .*the form has no field 'nickname'"):
        render_html(templates, "card.html", {"case": {"applicant_name": "王秀英",
                                                      "data": __import__("portal.documents.render",
                                                                         fromlist=["FormData"]).FormData()}})
    with pytest.raises(DocumentError, match=r"card.html:1: .*'applicant' is undefined"):
        render_html({"card.html": "<p>{{ applicant }}</p>"}, "card.html", {})
    # an optional part of a declaration that is absent still prints nothing
    assert render_html({"card.html": "{{ item.completion }}"}, "card.html", {"item": {}}) == ""


def test_a_rare_character_of_a_cjk_extension_is_printed(published) -> None:
    """生僻字: 𪚥 (U+2A6A5, CJK Extension B) is in no Noto CJK font; the fallback font draws it."""
    with published.test_request_context():
        templates = current_site().templates
    pdf = render_pdf(templates, '<link rel="stylesheet" href="base.css"><p>申请人：王𪚥、𠀋</p>')
    assert "王𪚥" in pdf_text(pdf)
    assert any("HanaMin" in name for name, embedded in pdf_fonts(pdf) if embedded)


def test_no_stray_space_around_chinese_punctuation_in_any_notice(published) -> None:
    """A line break inside a template's paragraph prints as a space: "（办件编号…）， 已于"."""
    from portal.documents.issuing import KINDS, context, template_of

    case_id = completed_case(published)
    with published.test_request_context(), unscoped():
        site, case = current_site(), db.session.get(Case, case_id)
        ctx = context(db.session, site, case, {"number": "MZ-BJ-2026-00001", "date": "2026年11月27日"})
        # this case's documents, and the result notices that read no form data
        names = {template_of(site, case, kind) for kind in KINDS}
        names |= {"result-notice.html", "xk-decision.html"}
        for name in sorted(names):
            html = render_html(site.templates, name, ctx)
            for paragraph in re.findall(r"<p>(.*?)</p>", html, re.S):
                text = re.sub(r"<[^>]+>", "", paragraph)
                stray = r"[，。、：；（）“”][ \t\n]+\S|\S[ \t\n]+[，。、：；）”]"
                assert not re.search(stray, text), (name, text)
