"""网上预约 at the counter: the clerk's start page lists today's appointments at their own
windows only, and its button starts the intake of the booked item with the applicant's name,
identity number and phone filled in; saving the application marks the booking arrived, naming
the case. Managers and auditors read bookings on their generated screen, within their scope.

Today is Thursday 2027-02-04, 08:00 in 句容 (mz-clerk works at MZ01)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.cases import bookings
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.models import Booking, BookingState, Case, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, login
from tests.test_bookings import at, person
from tests.test_intake import GOOD, post

TODAY = dt.date(2027, 2, 4)


@pytest.fixture
def booked(published, monkeypatch):
    """Bookings today at MZ01 (two, one cancelled), MZ03 and 人社's RS01; one tomorrow at MZ01."""
    monkeypatch.setattr(servertime, "now", lambda: at("2027-02-03", "17:00"))
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        site = current_site()
        made = {
            "mz01": bookings.book(db.session, site, "mz", "mz-dibao", "MZ01", TODAY, "08:30-12:00",
                                  name="王秀英", id_number="11010519491231002X", phone="13912345678"),
            "cancelled": bookings.book(db.session, site, "mz", "mz-wubao", "MZ01", TODAY, "13:30-17:30",
                                       **person(1)),
            "mz03": bookings.book(db.session, site, "mz", "mz-lnyd", "MZ03", TODAY, "09:00-10:00",
                                  **person(2)),
            "rs01": bookings.book(db.session, site, "rs", "rs-shbx", "RS01", TODAY, "08:30-12:00",
                                  **person(3)),
        }
        bookings.cancel(db.session, site, made["cancelled"].code, person(1)["phone"])
        ids = {key: b.id for key, b in made.items()}
    monkeypatch.setattr(servertime, "now", lambda: at("2027-02-04", "08:00"))
    return published, ids


def _home(app, user: str) -> str:
    client = app.test_client()
    login(client, user)
    html = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    return html.split('data-testid="home-appointments"')[1].split("</table>")[0]


def test_the_clerk_sees_todays_appointments_at_their_own_windows_only(booked) -> None:
    app, _ = booked
    mine = _home(app, "mz-clerk")
    assert "王秀英" in mine and "上午 08:30-12:00" in mine and "城乡最低生活保障对象认定" in mine
    assert "已预约" in mine and "开始受理" in mine
    assert "预约人1" not in mine  # cancelled
    assert "预约人2" not in mine  # MZ03: another window of the same sub-center
    assert "预约人3" not in mine  # 人社
    rs = _home(app, "rs-clerk")
    assert "预约人3" in rs and "王秀英" not in rs


def test_the_button_starts_the_intake_prefilled_and_saving_it_marks_the_booking_arrived(booked) -> None:
    app, ids = booked
    client = app.test_client()
    login(client, "mz-clerk")
    home = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/intake/\d+/new\?booking=\d+)"', home).group(1).replace("&amp;", "&")
    form = client.get(url).get_data(as_text=True)
    assert 'value="王秀英"' in form and 'value="11010519491231002X"' in form and 'value="13912345678"' in form
    assert f'name="booking" value="{ids["mz01"]}"' in form
    rest = {k: v for k, v in GOOD.items() if k not in ("applicant_name", "id_number", "mobile")}
    saved = post(client, url, {**rest, "applicant_name": "王秀英", "id_number": "11010519491231002X",
                               "mobile": "13912345678", "booking": str(ids["mz01"])})
    assert saved.status_code == 302
    with app.app_context():
        booking = db.session.get(Booking, ids["mz01"])
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert booking.state == BookingState.ARRIVED and booking.case_id == case.id
        assert (case.applicant_name, case.applicant_phone) == ("王秀英", "13912345678")
    after = _home(app, "mz-clerk")
    assert "已到窗口" in after and "开始受理" not in after and f"/cases/show/{case.id}" in after
    # an arrived booking starts no second intake
    assert client.get(url).status_code == 404


def test_a_clerk_cannot_start_the_intake_of_another_windows_booking(booked) -> None:
    app, ids = booked
    client = app.test_client()
    login(client, "mz-clerk")
    url = re.search(r'href="(/intake/\d+/new)\?booking=', client.get("/").get_data(as_text=True)).group(1)
    for other in ("mz03", "rs01", "cancelled"):
        assert client.get(f"{url}?booking={ids[other]}").status_code == 404, other


def test_bookings_are_read_on_their_screen_and_api_within_the_scope(booked) -> None:
    app, ids = booked
    client = app.test_client()
    login(client, "mz-manager")
    listed = client.get("/api/v1/appointments/?q=(page_size:100)").get_json()
    names = {row["applicant_name"] for row in listed["result"]}
    assert names == {"王秀英", "预约人1", "预约人2"}  # the sub-center's, cancelled ones too
    page = client.get("/appointments/list/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "王秀英" in page and "预约人3" not in page and "预约码" in page
    assert client.get(f"/appointments/show/{ids['rs01']}").status_code == 404
    assert client.get(f"/api/v1/appointments/{ids['rs01']}").status_code == 404
    clerk = app.test_client()
    login(clerk, "mz-clerk")
    mine = clerk.get("/api/v1/appointments/?q=(page_size:100)").get_json()
    assert {row["applicant_name"] for row in mine["result"]} == {"王秀英", "预约人1"}
