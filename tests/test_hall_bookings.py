"""网上预约 in the public hall, as an applicant without a login uses it: from an item's page to
the periods with their places left, the form (a refused one keeps what was typed), the booking
code with where and when to come, looking it up and cancelling it — a wrong pair and an unknown
code answered alike — and a client that posts too often stopped.

The clock is Wednesday 2027-02-03 09:00 in 句容, two days before the 春节 holidays the demo
center declares (2027-02-05..02-12)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.cases import bookings
from portal.core import servertime
from portal.models import Booking, BookingState, db
from portal.web.current import current_site
from tests.support.world import csrf_token
from tests.test_bookings import at, person

ZH = {"Accept-Language": "zh"}
ID = "11010519491231002X"  # Beijing, 1949: its check character is X
WIDE = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789"} | {"X": "ｘ"})


@pytest.fixture
def visitor(published, monkeypatch):
    monkeypatch.setattr(servertime, "now", lambda: at("2027-02-03", "09:00"))
    return published.test_client()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _book(client, slot: str, **values):
    token = csrf_token(client.get("/hall/mz/mz-dibao/book").get_data(as_text=True))
    return client.post("/hall/mz/mz-dibao/book", data={"csrf_token": token, "slot": slot, **values},
                       headers=ZH)


def _ask(client, code: str, secret: str, action: str | None = None):
    token = csrf_token(client.get("/hall/appointments").get_data(as_text=True))
    data = {"csrf_token": token, "code": code, "secret": secret}
    if action:
        data["action"] = action
    return client.post("/hall/appointments", data=data, headers=ZH)


MORNING = "MZ01|2027-02-04|08:30-12:00"


def test_an_item_with_appointments_links_to_its_periods_and_their_places_left(visitor) -> None:
    item = visitor.get("/hall/mz/mz-dibao", headers=ZH).get_data(as_text=True)
    assert 'href="/hall/mz/mz-dibao/book"' in item and "网上预约" in item
    assert "/book" not in visitor.get("/hall/mz/mz-shzz", headers=ZH).get_data(as_text=True)
    page = visitor.get("/hall/mz/mz-dibao/book", headers=ZH)
    text = _text(page)
    assert page.status_code == 200
    # today's afternoon and tomorrow; then 春节: nothing before the seven days are over
    assert "2027-02-03 周三" in text and "2027-02-04 周四" in text and "2027-02-05" not in text
    assert text.count("剩余 6 个名额") == 3 and "MZ01 社会救助窗口" in text
    assert "上午 08:30—12:00" in text and "下午 13:30—17:30" in text
    for label in ("申请人姓名", "居民身份证号码", "手机或电话号码"):
        assert f">{label}</label>" in page.get_data(as_text=True)
    assert visitor.get("/hall/mz/no-such/book").status_code == 404
    assert visitor.get("/hall/ws/mz-dibao/book").status_code == 404


def test_an_applicant_books_with_a_phone_keyboard_and_gets_a_code_with_where_and_when(published,
                                                                                     visitor) -> None:
    answer = _book(visitor, MORNING, name=" 王秀英 ", id_number=ID.translate(WIDE).lower(),
                   phone="１３９ １２３４ ５６７８")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/hall/booked")
    page = visitor.get("/hall/booked", headers=ZH)
    text = _text(page)
    code = re.search(r'data-testid="booked-code">([A-Z0-9]{8})<', page.get_data(as_text=True)).group(1)
    assert "预约成功" in text and "2027-02-04 周四" in text and "上午 08:30—12:00" in text
    assert "句容市政务服务民政分中心，MZ01 社会救助窗口" in text
    assert "江苏省句容市华阳北路56号民政服务大厅" in text
    assert "王*英" in text and ID not in text and "已预约" in text
    with published.app_context():
        stored = db.session.scalars(select(Booking)).one()
        assert (stored.code, stored.applicant_name, stored.applicant_id_number, stored.applicant_phone) == \
            (code, "王秀英", ID, "13912345678")
    # reloading the answer books nothing twice
    assert code in visitor.get("/hall/booked").get_data(as_text=True)
    with published.app_context():
        assert db.session.query(Booking).count() == 1
    # a stranger's browser has no booking to show
    assert published.test_client().get("/hall/booked").status_code == 302


def test_a_refused_form_keeps_what_was_typed_and_says_what_is_wrong_at_each_field(published, visitor) -> None:
    answer = _book(visitor, "", name="李四", id_number="110105194912310021", phone="12345")
    html, text = answer.get_data(as_text=True), _text(answer)
    assert answer.status_code == 422 and "预约未成功" in text
    assert 'value="李四"' in html and 'value="110105194912310021"' in html and 'value="12345"' in html
    assert "请选择预约日期和时段" in text
    assert "校验码" in text or "最后一位" in text  # the portal's own identity-number check
    assert "请填写11位手机号码" in text
    assert html.count('aria-invalid="true"') == 2
    again = _book(visitor, MORNING, name="", id_number="", phone="13912345678")
    assert again.status_code == 422
    assert "请填写申请人姓名" in _text(again) and "请填写申请人身份证号码" in _text(again)
    assert f'value="{MORNING}" checked' in again.get_data(as_text=True)  # the chosen period stays chosen
    with published.app_context():
        assert db.session.query(Booking).count() == 0


def test_a_full_period_is_shown_full_and_refused_in_chinese(published, visitor) -> None:
    with published.app_context():
        for n in range(6):
            bookings.book(db.session, current_site(), "mz", "mz-dibao", "MZ01", dt.date(2027, 2, 4),
                          "08:30-12:00", **person(n))
    page = _text(visitor.get("/hall/mz/mz-dibao/book", headers=ZH))
    assert "已约满" in page and page.count("剩余 6 个名额") == 2
    refused = _book(visitor, MORNING, name="王秀英", id_number=ID, phone="13912345678")
    assert refused.status_code == 422 and "2027-02-04 上午 08:30—12:00 已约满" in _text(refused)
    assert "请选择其他时段或日期" in _text(refused)


def test_a_booking_is_looked_up_and_cancelled_by_its_pair_and_nobody_learns_which_codes_exist(
        published, visitor) -> None:
    with published.app_context():
        made = bookings.book(db.session, current_site(), "mz", "mz-dibao", "MZ01", dt.date(2027, 2, 4),
                             "13:30-17:30", name="王秀英", id_number=ID, phone="13912345678")
        code = made.code
    shown = _text(_ask(visitor, code.lower(), ID[-6:].lower()))
    assert code in shown and "下午 13:30—17:30" in shown and "已预约" in shown and "取消预约" in shown
    answers = {_text(_ask(visitor, c, s)).split("查询 ")[-1]
               for c, s in ((code, "000000"), (code, "13900000000"), ("ABCDEFGH", ID[-6:]))}
    assert len(answers) == 1 and "未查到" in answers.pop()
    # a wrong pair cannot cancel either
    assert "未查到" in _text(_ask(visitor, code, "000000", action="cancel"))
    with published.app_context():
        assert db.session.get(Booking, made.id).state == BookingState.BOOKED
    done = _text(_ask(visitor, code, "13912345678", action="cancel"))
    assert "预约已取消" in done and "已取消" in done and "取消预约" not in done.split("预约已取消")[1]
    with published.app_context():
        cancelled = db.session.get(Booking, made.id)
        assert cancelled.state == BookingState.CANCELLED and cancelled.seat is None
    assert "剩余 6 个名额" in _text(visitor.get("/hall/mz/mz-dibao/book", headers=ZH))


def test_a_client_posting_too_often_is_told_to_wait(visitor) -> None:
    for _ in range(10):
        assert _ask(visitor, "ABCDEFGH", "123456").status_code == 200
    limited = _ask(visitor, "ABCDEFGH", "123456")
    assert limited.status_code == 429 and "请求次数过多" in _text(limited)


def test_the_appointment_pages_load_nothing_from_outside_the_portal(visitor) -> None:
    for url in ("/hall/mz/mz-dibao/book", "/hall/appointments"):
        html = visitor.get(url, headers=ZH).get_data(as_text=True)
        for target in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert target.startswith(("/", "#", "tel:")), (url, target)
