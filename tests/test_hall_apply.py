"""网上申报 as an applicant without a login and the window's clerk live it: the item's own form
without the counter's fields, a refusal that keeps what was typed, a number at once, a case
that waits at the window as any submitted one (channel 网上) and is decided there, and the
progress query that follows it."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from portal.access.scope import unscoped
from portal.cli.demo import ensure_demo_users
from portal.models import Case, CaseEvent, CaseState, db
from tests.support.world import PASSWORD, csrf_token, signed_in

ZH = {"Accept-Language": "zh"}
APPLY = "/hall/mz/mz-lnyd/apply"
# a 1953 resident of 句容 (321183: the county's code since 1995, kept by those born before)
GOOD = {"applicant_name": "陈桂兰", "id_number": "321183195304120429", "mobile": "13952901234",
        "address": "句容市华阳街道华阳北路8号", "by_agent": "no", "hukou": "城镇"}
PDF = b"%PDF-1.4\n% a scanned identity card\n%%EOF\n"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _send(client, data: dict, files: dict | None = None, url: str = APPLY):
    body = {**data, "csrf_token": csrf_token(client.get(url).get_data(as_text=True))}
    body.update(files or {})
    return client.post(url, data=body, content_type="multipart/form-data", headers=ZH)


@pytest.fixture
def visitor(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    return published.test_client()


def test_the_item_page_leads_to_its_form_without_the_counters_fields(visitor) -> None:
    item = visitor.get("/hall/mz/mz-lnyd", headers=ZH).get_data(as_text=True)
    assert f'href="{APPLY}"' in item and "网上申报" in item
    form = visitor.get(APPLY, headers=ZH)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "老年人优待证" in html
    assert "向句容市政务服务民政分中心网上申报" in _text(form)  # where it goes
    assert 'href="/hall/mz/mz-lnyd"' in html  # back to the item (not /hall//mz-lnyd)
    for name in ("applicant_name", "id_number", "mobile", "hukou", "scan_main"):
        assert f'name="{name}"' in html
    # the counter's section (原件已核验, 窗口备注) is not on the public form
    assert 'name="originals_checked"' not in html and "窗口核验" not in html and "窗口备注" not in html
    assert "工作人员登录" in html and "/static/appbuilder" not in html  # the hall's page, not the staff's
    assert visitor.get("/hall/mz/no-such-item/apply").status_code == 404


def test_a_refused_application_keeps_what_was_typed_and_the_scan_already_sent(published, visitor) -> None:
    typed = {**GOOD, "id_number": "321183195304120427"}  # one digit wrong: the check digit fails
    refused = _send(visitor, typed, {"scan_main": (io.BytesIO(PDF), "身份证.pdf")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "申请未提交" in html
    assert 'value="陈桂兰"' in html and 'value="句容市华阳街道华阳北路8号"' in html
    assert "校验" in _text(refused)  # says which part of the number is wrong
    assert "已上传：身份证.pdf" in _text(refused)  # the file is kept, as at the counter
    with published.app_context(), unscoped():
        assert db.session.scalar(select(Case.id).where(Case.applicant_name == "陈桂兰")) is None


def test_an_application_filed_online_waits_at_the_window_and_is_followed_by_its_number(published,
                                                                                     visitor) -> None:
    sent = _send(visitor, {**GOOD, "id_number": "３２１１８３１９５３０４１２０４２９",  # as a phone types it
                           "originals_checked": "yes", "counter_note": "冒充窗口的备注"},
                 {"scan_main": (io.BytesIO(PDF), "身份证.pdf")})
    assert sent.status_code == 303
    receipt = visitor.get(sent.location, headers=ZH)
    number = re.search(r'data-testid="case-number">([^<]+)<', receipt.get_data(as_text=True)).group(1)
    assert "申请已收到" in _text(receipt) and "MZ" in _text(receipt)
    with published.app_context(), unscoped():
        case = db.session.scalars(select(Case).where(Case.number == number)).one()
        assert case.state == CaseState.SUBMITTED and case.channel == "网上"
        assert case.applicant_id_number == "321183195304120429" and case.window.code == "MZ03"
        # what the applicant posted for the counter's fields is not theirs to give
        assert case.data["originals_checked"] is None and case.data["counter_note"] is None
        assert case.data["scan_main"][0]["name"] == "身份证.pdf"
        event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
        assert (event.kind, event.by, event.data["channel"]) == ("submit", "网上申报", "网上")
    # the sub-center finds it waiting at MZ03, marked as filed online; the counter's fields
    # are the clerk's to fill there
    manager = signed_in(published, "mz-manager")
    waiting = manager.get("/worklist/", headers=ZH).get_data(as_text=True)
    row = re.search(rf'<tr data-waiting="{number}">(.*?)</tr>', waiting, re.S).group(1)
    assert "MZ03" in row and "网上" in row
    page = _text(manager.get(f"/cases/show/{case.id}", headers=ZH))
    assert "渠道 网上" in page
    # the applicant follows it: submitted, not yet accepted
    token = csrf_token(visitor.get("/hall/progress").get_data(as_text=True))
    answer = visitor.post("/hall/progress", headers=ZH, data={
        "csrf_token": token, "number": number, "secret": "120429"})
    assert "已提交" in _text(answer) and "陈*兰" in _text(answer)
    # a receipt link is signed: a forged or altered one shows nothing
    assert visitor.get(sent.location[:-2] + "xx").status_code == 404


def test_an_application_needs_what_the_applicant_must_give_online(visitor) -> None:
    missing = _send(visitor, {k: v for k, v in GOOD.items() if k != "mobile"})
    assert missing.status_code == 422 and "必填" in _text(missing)
    # a form whose required fields include none of the counter's: filed without them
    assert _send(visitor, GOOD).status_code == 303


def test_filing_too_often_is_told_to_wait(visitor) -> None:
    for _ in range(6):
        assert _send(visitor, {"applicant_name": "测试"}).status_code == 422
    limited = _send(visitor, {"applicant_name": "测试"})
    assert limited.status_code == 429 and "请求次数过多" in _text(limited)


def test_a_second_site_takes_online_applications_with_its_own_form(app) -> None:
    """The small site of the checker's examples: its own mz-lnyd form (no staff-only section),
    applied for by a 2004-born 香港 resident's mainland residence permit number (810000…)."""
    from portal.site import load_site
    from portal.site.publish import publish
    from tests.support.sites import BASE

    with app.app_context():
        site, problems = load_site(BASE)
        assert site is not None, problems
        publish(db.session, site, by="test")
    visitor = app.test_client()
    form = visitor.get(APPLY, headers=ZH)
    assert form.status_code == 200 and 'name="id_number"' in form.get_data(as_text=True)
    base = "81000020040229002"  # born on a leap day
    weights, checks = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"
    number = base + checks[sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11]
    sent = _send(visitor, {"applicant_name": "黎嘉欣", "id_number": number, "by_agent": "no"},
                 {"scan_id": (io.BytesIO(PDF), "回乡证.pdf")})
    assert sent.status_code == 303, _text(sent)
    with app.app_context(), unscoped():
        case = db.session.scalars(select(Case).where(Case.applicant_id_number == number)).one()
        assert case.channel == "网上" and case.state == CaseState.SUBMITTED
