"""The public hall as an applicant without a login uses it: the center and where to go, the
items searched and read as a sub-center offers them, and the progress query — which shows a
case only to the pair of its number and its applicant's secret, answers a wrong pair and an
unknown number alike, and stops a client that asks too often."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.access.scope import unscoped
from portal.cases import lifecycle
from portal.models import Case, CaseState, db
from portal.web.current import current_site
from tests.support.world import csrf_token, signed_in
from tests.test_documents import new_case
from tests.test_process import CLERK_A

ZH = {"Accept-Language": "zh"}


@pytest.fixture
def visitor(published):
    return published.test_client()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_visitor_at_the_front_door_sees_the_center_and_every_place_to_go(published, visitor) -> None:
    page = visitor.get("/", headers=ZH)
    assert page.status_code == 200
    text = _text(page)
    assert re.search(r"<title>([^<]*)</title>", page.get_data(as_text=True)).group(1) == \
        "网上办事大厅 · 句容市政务服务中心"
    with published.test_request_context():
        site = current_site()
    assert site.name in text and site.center["phone"] in text
    for sub in site.subcenters.values():  # sub-centers and town centers alike
        assert sub.unified_name in text and sub.address in text and sub.phone in text
    assert "工作人员登录" in text and "办件查询" in text
    # staff who sign in get their own start page there
    from portal.cli.demo import ensure_demo_users
    from tests.support.world import PASSWORD

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    start = signed_in(published, "mz-clerk").get("/", headers=ZH).get_data(as_text=True)
    assert "工作人员登录" not in start and 'data-testid="places"' not in start


def test_items_are_found_by_name_keyword_sub_center_type_and_kind(visitor) -> None:
    found = _text(visitor.get("/hall/items?q=低保", headers=ZH))
    assert "城乡最低生活保障对象认定" in found  # by its keyword 低保 as much as by its name
    only_mz = visitor.get("/hall/items?sub=mz", headers=ZH).get_data(as_text=True)
    links = set(re.findall(r'href="/hall/([a-z]+)/[a-z-]+"', only_mz))
    assert links == {"mz"}
    quick = visitor.get("/hall/items?case_type=即办件", headers=ZH).get_data(as_text=True)
    assert "承诺件" not in re.sub(r"<option[^>]*>[^<]*</option>", "", quick)
    assert "当场办结" in quick and "承诺 0 个工作日" not in quick  # 即办件: no days to promise
    none = _text(visitor.get("/hall/items?q=不存在的事项", headers=ZH))
    assert "共找到 0 个事项" in none and "没有符合条件的事项" in none


def test_an_item_page_gives_the_seven_disclosures_as_the_sub_center_offers_them(visitor) -> None:
    page = visitor.get("/hall/mz/mz-dibao", headers=ZH)
    text = _text(page)
    for heading in ("设立依据", "申报条件", "申报材料", "办理环节", "办理期限", "办结方式", "收费标准"):
        assert heading in text
    assert "《社会救助暂行办法》" in text and "家庭经济状况核对授权书" in text
    assert "承诺办结时限 15 个工作日" in text  # the sub-center's own promise (20 at the center)
    assert "MZ01 社会救助窗口" in text and "0511-87280621" in text
    html = page.get_data(as_text=True)
    guide = re.search(r'href="(/guide/mz/mz-dibao\.pdf)"', html).group(1)
    blank = re.search(r'href="(/forms/\d+/blank\.pdf)"', html).group(1)
    for url in (guide, blank):
        pdf = visitor.get(url)
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert visitor.get("/hall/mz/no-such-item").status_code == 404
    assert visitor.get("/hall/ws/mz-dibao").status_code == 404  # not offered there


def test_public_pages_load_nothing_from_outside_the_portal(visitor) -> None:
    for url in ("/", "/hall/items", "/hall/mz/mz-dibao", "/hall/progress", "/hall/mz/mz-dibao/apply",
                "/hall/mz/mz-dibao/book", "/hall/appointments", "/hall/complaint", "/hall/consultation",
                "/hall/messages", "/hall/town/huayang"):
        html = visitor.get(url, headers=ZH).get_data(as_text=True)
        for target in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert target.startswith(("/", "#", "tel:")), (url, target)


def _accepted(app) -> dict:
    """A case accepted at the 民政 counter: what its applicant knows of it."""
    case_id = new_case(app)
    with app.test_request_context(), unscoped():
        case = db.session.get(Case, case_id)
        lifecycle.accept(db.session, current_site(), case, CLERK_A)
        return {"number": case.number, "name": case.applicant_name, "id": case.applicant_id_number,
                "phone": case.applicant_phone}


def _ask(client, number: str, secret: str):
    token = csrf_token(client.get("/hall/progress").get_data(as_text=True))
    return client.post("/hall/progress", data={"csrf_token": token, "number": number, "secret": secret},
                       headers=ZH)


def test_the_progress_query_shows_a_case_to_its_pair_only_and_says_nothing_else(published, visitor) -> None:
    case = _accepted(published)
    number, name, id_number, phone = case["number"], case["name"], case["id"], case["phone"]
    right = _ask(visitor, number.lower(), id_number[-6:].lower())  # as typed on a phone
    text = _text(right)
    assert right.status_code == 200 and "已受理" in text and "当前环节：" in text
    assert name not in text and name[0] + "*" in text  # 王*英
    assert id_number not in text and phone not in text
    assert "已受理" in _text(_ask(visitor, number, phone))  # or by the phone number given
    # typed with a phone's input method: full-width letters and digits, a space, a small ｘ
    wide = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWYZ"} | {ord("X"): ord("ｘ")}
    typed = _ask(visitor, number.translate(wide), " " + id_number[-6:].translate(wide))
    assert "已受理" in _text(typed) and id_number[-1] == "X"  # 11010519491231002X: Beijing, 1949
    # a wrong secret, an unknown number, a draft: one answer, word for word
    with published.app_context():
        draft_number = db.session.scalar(select(Case.number).where(Case.state == CaseState.DRAFT))
    answers = {_text(_ask(visitor, number, secret)).split("查询 ")[-1]
               for number, secret in ((number, "000000"), (number, id_number[-5:]),
                                      ("ZZ209901010001", id_number[-6:]), (draft_number or "X", "123456"))}
    assert len(answers) == 1 and "未查到" in answers.pop()


def test_a_client_asking_too_often_is_told_to_wait(visitor) -> None:
    for _ in range(10):
        assert _ask(visitor, "ZZ209901010001", "123456").status_code == 200
    limited = _ask(visitor, "ZZ209901010001", "123456")
    assert limited.status_code == 429 and "请求次数过多" in _text(limited)


def test_the_guide_and_blank_form_are_rendered_once_per_version_and_cached_by_browsers(visitor,
                                                                                     monkeypatch) -> None:
    from portal.web import documents

    rendered = []
    real = documents.render_pdf
    monkeypatch.setattr(documents, "render_pdf", lambda *a, **k: rendered.append(k["name"]) or real(*a, **k))
    documents._public_pdf_of.cache_clear()
    first = visitor.get("/guide/mz/mz-dibao.pdf")
    second = visitor.get("/guide/mz/mz-dibao.pdf")
    assert first.data == second.data and first.data.startswith(b"%PDF") and rendered == ["guide.html"]
    etag = first.headers["ETag"]
    again = visitor.get("/guide/mz/mz-dibao.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert "max-age" in first.headers["Cache-Control"]
    assert visitor.get("/guide/ws/mz-dibao.pdf").status_code == 404


def test_a_second_site_without_the_guide_template_links_no_guide_it_cannot_print(app) -> None:
    from portal.site import load_site
    from portal.site.publish import publish
    from tests.support.sites import BASE

    with app.app_context():
        site, problems = load_site(BASE)
        assert site is not None and "guide.html" not in site.templates, problems
        publish(db.session, site, by="test")
    page = app.test_client().get("/hall/mz/mz-dibao", headers=ZH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "设立依据" in html and "/guide/" not in html
