"""网上投诉、网上咨询 as the public and the staff use them: a complaint about a window, an item or
a case lands in its sub-center's 投诉 screen (and nowhere else); a question lands in the
sub-center's queue; the staff's reply is read back with the tracking number and the phone — and a
wrong phone or an unknown number answer alike; a client filing or guessing too often is stopped."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import Complaint, Consultation, db
from tests.support.world import PASSWORD, add_cases, csrf_token, signed_in

ZH = {"Accept-Language": "zh"}
PHONE = "13912345678"
WIDE = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


@pytest.fixture
def world(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        rows = add_cases(per_window=1)
    return published, {r.window: r.number for r in rows}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _post(client, url: str, data: dict):
    token = csrf_token(client.get(url, headers=ZH).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, headers=ZH)


def _file(client, kind: str, sub: str, **data) -> str:
    """File a complaint or a question as a visitor; the tracking number the page gives."""
    sent = _post(client, f"/hall/{kind}?sub={sub}", {"phone": PHONE, **data})
    assert sent.status_code == 302, _text(sent)
    page = client.get(sent.headers["Location"], headers=ZH)
    number = re.search(r'data-testid="tracking-number">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert "查询编号" in _text(page)
    return number


def _look_up(client, number: str, phone: str):
    return _post(client, "/hall/messages", {"number": number, "phone": phone})


def _questions(client) -> str:
    """The start page's line of the questions waiting for an answer."""
    home = client.get("/", headers=ZH).get_data(as_text=True)
    return re.search(r'data-testid="home-questions">(.*?)</p>', home, re.S).group(1)


def _complaint(app, number: str) -> Complaint:
    with app.app_context():
        found = db.session.scalars(select(Complaint).where(Complaint.tracking_number == number)).one()
        db.session.expunge(found)
        return found


def test_the_forms_are_reached_from_the_hall_and_ask_for_the_sub_center_first(world) -> None:
    app, _ = world
    visitor = app.test_client()
    landing = visitor.get("/", headers=ZH).get_data(as_text=True)
    for link in ("/hall/complaint", "/hall/consultation", "/hall/messages"):
        assert f'href="{link}"' in landing
    item = visitor.get("/hall/mz/mz-dibao", headers=ZH).get_data(as_text=True)
    assert 'href="/hall/consultation?sub=mz&amp;item=mz-dibao"' in item
    assert 'href="/hall/complaint?sub=mz&amp;item=mz-dibao"' in item
    choose = _text(visitor.get("/hall/complaint", headers=ZH))
    assert "请先选择您要投诉的分中心" in choose and "民政" in choose
    form = visitor.get("/hall/complaint?sub=mz&item=mz-dibao", headers=ZH).get_data(as_text=True)
    assert re.search(r'<option selected value="mz-dibao">|<option value="mz-dibao" selected', form)
    assert "MZ01" in form and "WS01" not in form  # the windows of the sub-center chosen


def test_the_pages_load_nothing_from_outside_the_portal(world) -> None:
    visitor = world[0].test_client()
    for url in ("/hall/complaint", "/hall/complaint?sub=mz", "/hall/consultation?sub=ws",
                "/hall/messages"):
        page = visitor.get(url, headers=ZH)
        assert page.status_code == 200
        for target in re.findall(r'(?:src|href|action)="([^"]+)"', page.get_data(as_text=True)):
            assert target.startswith(("/", "#", "tel:")), (url, target)
    assert visitor.get("/hall/received").status_code == 302  # nothing filed yet: to the lookup


def test_a_complaint_about_a_window_lands_in_its_sub_centers_screen_only(world) -> None:
    app, _ = world
    number = _file(app.test_client(), "complaint", "mz", window="MZ01",
                   content="窗口人员让我多跑了两趟", contact_name="李四")
    assert re.fullmatch(r"TS[2-9A-HJ-NP-Z]{10}", number)
    filed = _complaint(app, number)
    assert (filed.channel, filed.outcome, filed.contact_phone, filed.contact_name) == \
        ("政务服务网", "待处理", PHONE, "李四")
    for user in ("mz-manager", "mz-auditor", "mz-clerk"):  # the sub-center and the window named
        page = signed_in(app, user).get(f"/complaints/show/{filed.id}", headers=ZH)
        assert page.status_code == 200 and "多跑了两趟" in _text(page) and number in _text(page)
        assert "MZ01" in _text(signed_in(app, user).get("/complaints/list/", headers=ZH))
    # the complainant's contact: for those who handle the complaint, not the clerk complained
    # about, and never over REST
    for user, shows in (("mz-manager", True), ("mz-auditor", True), ("mz-clerk", False)):
        client = signed_in(app, user)
        page = _text(client.get(f"/complaints/show/{filed.id}", headers=ZH))
        assert (PHONE in page, "李四" in page) == (shows, shows), user
        api = str(client.get(f"/api/v1/complaints/{filed.id}").get_json())
        assert "多跑了两趟" in api and PHONE not in api and "李四" not in api
    for user in ("ws-manager", "ws-auditor", "ws-clerk"):  # another sub-center's
        client = signed_in(app, user)
        assert client.get(f"/complaints/show/{filed.id}").status_code == 404
        assert client.get("/api/v1/complaints/").get_json()["count"] == 0


def test_a_complaint_about_an_item_names_no_window_and_reaches_the_manager(world) -> None:
    app, _ = world
    number = _file(app.test_client(), "complaint", "mz", item="mz-dibao", content="低保材料要求前后不一")
    filed = _complaint(app, number)
    assert filed.window_id is None and filed.item_id is not None
    manager = signed_in(app, "mz-manager")
    shown = _text(manager.get(f"/complaints/show/{filed.id}", headers=ZH))
    assert "城乡最低生活保障对象认定" in shown and "前后不一" in shown
    # no window named: the sub-center's, not a clerk's; and never another sub-center's
    assert signed_in(app, "mz-clerk").get(f"/complaints/show/{filed.id}").status_code == 404
    assert signed_in(app, "ws-manager").get(f"/complaints/show/{filed.id}").status_code == 404


def test_a_complaint_about_a_case_is_linked_to_it_and_says_nothing_of_other_numbers(world) -> None:
    app, numbers = world
    visitor = app.test_client()
    typed = " " + numbers["MZ02"].lower().translate(WIDE)  # as a phone's input method types it
    linked = _complaint(app, _file(visitor, "complaint", "mz", case_number=typed, content="超期未办结"))
    with app.app_context():
        case = db.session.get(Complaint, linked.id).case
        assert case.number == numbers["MZ02"] and linked.window_id == case.window_id
    # a number of another sub-center's case, or none at all: filed alike, kept as typed, unlinked
    for other in (numbers["WS01"], "MZ209901010001"):
        kept = _complaint(app, _file(visitor, "complaint", "mz", case_number=other, content="另一件"))
        assert kept.case_id is None and kept.case_number == other and kept.window_id is None


def test_a_rejected_form_says_why_at_the_field_and_keeps_what_was_typed(world) -> None:
    app, _ = world
    visitor = app.test_client()
    typed = "排队两个小时" + "很" * 1200
    refused = _post(visitor, "/hall/complaint?sub=mz", {"content": typed, "phone": "１３９-1234",
                                                         "window": "WS01"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "请修改下面标出的内容" in page
    assert "请填写手机号码" in page and "最多 1000 个字" in page
    assert "请从列表中选择" in page  # WS01 is no window of 民政
    assert typed[:1000] + "</textarea>" in page  # cut at the limit
    assert 'aria-invalid="true"' in page
    assert "１３９-1234" in page  # the phone as typed
    empty = _post(visitor, "/hall/consultation?sub=mz", {"question": "", "phone": ""})
    assert _text(empty).count("请填写此项") == 2
    with app.app_context():
        assert db.session.query(Complaint).count() == 0 and db.session.query(Consultation).count() == 0


def test_a_full_width_phone_is_taken_and_looks_the_reply_up(world) -> None:
    app, _ = world
    visitor = app.test_client()
    sent = _post(visitor, "/hall/consultation?sub=mz", {"question": "低保需要带户口本原件吗？",
                                                         "phone": " １３９ １２３４ ５６７８ "})
    assert sent.status_code == 302
    with app.app_context():
        asked = db.session.scalars(select(Consultation)).one()
        assert asked.contact_phone == PHONE and asked.state == "待答复"
        number = asked.tracking_number
    answer = _text(_look_up(visitor, number.lower().translate(WIDE), "139 1234 5678"))
    assert "低保需要带户口本原件吗" in answer and "待答复" in answer


def test_the_reply_shows_to_the_pair_only_and_a_wrong_pair_answers_like_an_unknown_number(world) -> None:
    app, _ = world
    visitor = app.test_client()
    number = _file(visitor, "complaint", "mz", window="MZ01", content="工作人员态度生硬")
    received = _text(_look_up(visitor, number, PHONE))
    assert "已受理，正在处理" in received and "工作人员态度生硬" in received and "民政" in received
    manager = signed_in(app, "mz-manager")
    pk = _complaint(app, number).id
    form = manager.get(f"/complaints/edit/{pk}", headers=ZH).get_data(as_text=True)
    assert "工作人员态度生硬" in form and 'name="content"' not in form  # shown, to be answered
    saved = _post(manager, f"/complaints/edit/{pk}", {
        "content": "改写的投诉内容", "handling": "内部：已约谈窗口人员，记入考核", "outcome": "属实",
        "reply": "您反映的情况属实，我们已对相关人员批评教育，感谢您的监督。"})
    assert saved.status_code == 302
    replied = _complaint(app, number)
    assert replied.replied_by == "mz-manager" and replied.replied_at is not None
    assert replied.content == "工作人员态度生硬"  # what the public wrote stays as written
    answer = _text(_look_up(visitor, number, PHONE))
    assert "已答复" in answer and "感谢您的监督" in answer
    assert "约谈" not in answer and "属实" not in answer.split("感谢您的监督")[0].split("答复")[0]
    # a wrong phone, a number one character off, a made-up one, a consultation's prefix: one answer
    answers = {_text(_look_up(visitor, n, p)).split("查询 ")[-1] for n, p in (
        (number, "13900000000"), (number[:-1] + ("2" if number[-1] != "2" else "3"), PHONE),
        ("TS2345678923", PHONE), ("ZX2345678923", PHONE), ("", ""))}
    assert len(answers) == 1 and "未查到" in answers.pop()


def test_a_question_waits_in_its_sub_centers_queue_and_its_answer_is_read_publicly(world) -> None:
    app, _ = world
    visitor = app.test_client()
    number = _file(visitor, "consultation", "mz", item="mz-dibao", question="外地户口可以申请吗？")
    assert number.startswith("ZX")
    with app.app_context():
        pk = db.session.scalars(select(Consultation.id)).one()
    manager = signed_in(app, "mz-manager")
    questions = _questions(manager)
    assert "待答复的网上咨询" in questions and "<strong>1</strong>" in questions
    queue = re.search(r'href="([^"]*/consultations/list/[^"]*)"', questions).group(1).replace("&amp;", "&")
    clerk = signed_in(app, "mz-clerk")
    assert number in clerk.get(queue, headers=ZH).get_data(as_text=True)
    other = signed_in(app, "ws-clerk")
    assert number not in other.get(queue, headers=ZH).get_data(as_text=True)
    assert other.get(f"/consultations/edit/{pk}").status_code == 404
    assert "<strong>0</strong>" in _questions(signed_in(app, "ws-manager"))
    assert "外地户口可以申请吗" in clerk.get(f"/consultations/edit/{pk}", headers=ZH).get_data(as_text=True)
    saved = _post(clerk, f"/consultations/edit/{pk}", {"reply": "可以，在户籍地以外申请需先办理居住证。",
                                                       "replied_by": "someone-else", "state": "x",
                                                       "question": "改写的问题"})
    assert saved.status_code == 302
    with app.app_context():
        answered = db.session.get(Consultation, pk)
        assert (answered.state, answered.replied_by) == ("已答复", "mz-clerk")
        assert answered.question == "外地户口可以申请吗？"
        assert answered.replied_at is not None
    assert number not in clerk.get(queue, headers=ZH).get_data(as_text=True)  # out of the queue
    answer = _text(_look_up(visitor, number, PHONE))
    assert "已答复" in answer and "需先办理居住证" in answer and "城乡最低生活保障对象认定" in answer
    # the staff may not send an empty reply
    empty = _post(clerk, f"/consultations/edit/{pk}", {"reply": ""})
    assert empty.status_code == 200 and "需先办理居住证" in _text(_look_up(visitor, number, PHONE))
    assert "该字段是必填字段" in _text(empty)


def test_a_client_filing_or_guessing_too_often_is_told_to_wait(world) -> None:
    app, _ = world
    visitor = app.test_client()
    for n in range(5):
        _file(visitor, "consultation", "mz", question=f"第{n}个问题")
    too_many = _post(visitor, "/hall/complaint?sub=mz", {"content": "再投诉一次", "phone": PHONE})
    assert too_many.status_code == 429 and "请求次数过多" in _text(too_many)
    for _ in range(10):
        assert _look_up(visitor, "TS2345678923", PHONE).status_code == 200
    limited = _look_up(visitor, "TS2345678923", PHONE)
    assert limited.status_code == 429 and "请稍候一分钟再试" in _text(limited)


def test_a_public_complaint_counts_for_its_sub_center_and_for_no_window(world) -> None:
    from portal.assessment.metrics import metrics
    from portal.assessment.reports import Month
    from portal.core import servertime
    from portal.web.current import center_zone

    app, _ = world
    number = _file(app.test_client(), "complaint", "mz", content="整个分中心午休不办事")
    with app.app_context():
        found = db.session.scalars(select(Complaint).where(Complaint.tracking_number == number)).one()
        found.outcome = "属实"
        db.session.commit()
        sub = found.sub_center_id
    with app.app_context():  # as the assessment counts: every record, outside a request's scope
        zone = center_zone()
        today = servertime.local_day(servertime.now(), zone)
        month = Month(today.year, today.month)
        by_window = metrics(db.session, month, today, zone, by="window")
        by_sub = metrics(db.session, month, today, zone, by="sub_center")
    assert None not in by_window
    assert all(values["complaints_upheld"] == 0 for values in by_window.values())
    assert by_sub[sub]["complaints_upheld"] == Decimal(1)
