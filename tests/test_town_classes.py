"""A town center's item classes as the public and a town clerk meet them: 宝华镇 gives
guidance only on 城乡居民基本养老保险参保登记 (咨办类: where it is decided, no application, no
booking, not at its counter's intake) and takes 老年人优待证办理 for 民政 to decide (代办类)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import Item, Offering, SubCenter, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, login

ZH = {"Accept-Language": "zh"}
GUIDANCE, FORWARDED = "/hall/baohua/rs-shbx", "/hall/baohua/mz-lnyd"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def visitor(published):
    return published.test_client()


def test_the_published_site_carries_each_offerings_class(published) -> None:
    with published.test_request_context():
        site = current_site()
    town = site.subcenters["baohua"].offerings
    assert (town["rs-shbx"].item_class, town["rs-shbx"].decided_by) == ("咨办类", None)
    assert (town["mz-lnyd"].item_class, town["mz-lnyd"].decided_by) == ("代办类", "mz")
    assert town["wj-dszn"].item_class == "即办类"  # the default
    assert site.subcenters["huayang"].offerings["rs-shbx"].decided_by == "rs"


def test_a_guidance_only_item_shows_where_it_is_decided_and_no_way_to_apply(published, visitor) -> None:
    page = visitor.get(GUIDANCE, headers=ZH)
    assert page.status_code == 200
    html, text = page.get_data(as_text=True), _text(page)
    with published.test_request_context():
        rs = current_site().subcenters["rs"]
    assert "事项分类 咨办类" in text
    assert "办理地点" in text and "本中心仅提供该事项的咨询指导，不受理申请。请到以下办理机构申请：" in text
    decided = re.search(r'data-testid="decided-at">(.*?)</section>', html, re.S).group(1)
    assert rs.unified_name in decided and rs.address in decided and f'href="tel:{rs.phone}"' in decided
    assert "华阳街道" not in decided  # 华阳 only forwards it: not a place where it is decided
    # the guidance as ever: the seven disclosures and the 办事指南
    assert "一、设立依据" in text and "七、收费标准" in text
    assert 'href="/guide/baohua/rs-shbx.pdf"' in html
    # and no online application or booking
    assert 'data-testid="apply"' not in html and 'data-testid="book"' not in html
    assert "/hall/baohua/rs-shbx/apply" not in html and "/hall/baohua/rs-shbx/book" not in html


def test_a_guidance_only_item_cannot_be_applied_for_or_booked_online(visitor) -> None:
    assert visitor.get(GUIDANCE + "/apply", headers=ZH).status_code == 404
    assert visitor.get("/hall/huayang/yb-xnhk/apply", headers=ZH).status_code == 404
    assert visitor.get("/hall/huayang/yb-xnhk/book", headers=ZH).status_code == 404
    # where it is decided, it is applied for as ever
    assert visitor.get("/hall/rs/rs-shbx/apply", headers=ZH).status_code == 200


def test_a_forwarded_item_says_who_decides_it_and_is_applied_for_online_there(visitor) -> None:
    """The town center carries paper applications (代办); one made online needs no carrying and
    is filed with the sub-center that decides the item — never decided at the town."""
    page = visitor.get(FORWARDED, headers=ZH)
    html, text = page.get_data(as_text=True), _text(page)
    assert "事项分类 代办类" in text
    assert "本中心代为受理，转句容市政务服务民政分中心审批办理。" in text
    assert 'data-testid="apply"' in html and 'href="/hall/mz/mz-lnyd/apply"' in html
    assert "向句容市政务服务民政分中心网上申报" in text
    sent = visitor.get(FORWARDED + "/apply", headers=ZH)
    assert sent.status_code == 303 and sent.location.endswith("/hall/mz/mz-lnyd/apply")
    assert visitor.get("/hall/mz/mz-lnyd/apply", headers=ZH).status_code == 200


def _offering_id(sub: str, item: str) -> int:
    return db.session.scalars(select(Offering.id).join(SubCenter).join(Item).where(
        SubCenter.code == sub, Item.code == item)).one()


def test_the_town_counter_takes_no_application_for_a_guidance_only_item(published) -> None:
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        guidance, forwarded = _offering_id("baohua", "rs-shbx"), _offering_id("baohua", "mz-lnyd")
    client = published.test_client()
    login(client, "baohua-clerk")
    listed = client.get("/intake/", headers=ZH).get_data(as_text=True)
    assert f"/intake/{forwarded}/new" in listed and "老年人优待证办理" in listed
    assert f"/intake/{guidance}/new" not in listed and "城乡居民基本养老保险参保登记" not in listed
    assert client.get(f"/intake/{guidance}/new", headers=ZH).status_code == 404
    # a 代办类 item is taken as an agency case for the sub-center deciding it (tests/test_agency.py)
    assert client.get(f"/intake/{forwarded}/new", headers=ZH).location.endswith(f"/agency/new/{forwarded}")
    assert client.get(f"/agency/new/{forwarded}", headers=ZH).status_code == 200


def test_appointments_for_a_guidance_only_item_are_refused_at_the_check(tmp_path) -> None:
    """宝华镇 gives guidance only on 城乡居民基本养老保险参保登记: a line booking it explicitly, or a
    window with nothing else to book, is a problem of its declaration (schema.E100)."""
    import shutil
    from pathlib import Path

    from portal.site import load_site

    repo = Path(__file__).resolve().parent.parent
    site_dir = tmp_path / "site"
    shutil.copytree(repo / "schema", site_dir / "schema")
    shutil.copytree(repo / "forms", site_dir / "forms")
    shutil.copytree(repo / "print_templates", site_dir / "print_templates")
    town = site_dir / "schema" / "subcenters" / "baohua.yaml"
    town.write_text(town.read_text(encoding="utf-8") + (
        "\nappointments:\n  - window: BH01\n    items: [rs-shbx]\n"
        "    periods:\n      - {name: 上午, start: \"08:30\", end: \"12:00\", capacity: 5}\n"),
        encoding="utf-8")
    site, problems = load_site(site_dir)
    found = [str(p) for p in problems if p.code == "schema.E100"]
    assert site is None and len(found) == 1
    assert "appointments[0].items[0]" in found[0] and "'rs-shbx' is 咨办类 here" in found[0]
