"""查找办件: one box for a case number, an applicant's name or an identity number, as typed at a
busy counter (input-method full-width characters, a lowercase x, spaces), within what the user
may see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import Case, Offering, SubCenter, Window, db
from portal.site.publish import current_version
from tests.support.world import PASSWORD, login

# (number or None for a draft, window, applicant, identity number)
CASES = [
    ("MZ202611300001", "MZ01", "王秀英", "11010519491231002X"),  # Beijing, 1949, check digit X
    ("MZ202611300002", "MZ01", "王秀兰", "440305200001011237"),  # Shenzhen, born 2000
    ("MZ202611290001", "MZ01", "欧阳娜娜", "32118319580101001X"),  # 句容, 1958
    (None, "MZ01", "王_测试", "650102199912311238"),  # a draft; a name holding LIKE's wildcard
    ("MZ202611300003", "MZ02", "李建国", "320102197001011234"),  # another window of 民政
    ("WS202611300001", "WS01", "王秀英", "11010519491231002X"),  # the same person at 卫健
]


@pytest.fixture
def searched(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        version = current_version(db.session)
        for number, window_code, name, id_number in CASES:
            window = db.session.scalars(select(Window).where(Window.code == window_code)).one()
            offering = db.session.scalars(select(Offering).join(SubCenter).where(
                Offering.windows.any(Window.id == window.id))).first()
            db.session.add(Case(
                number=number, item_id=offering.item_id, sub_center_id=window.sub_center_id,
                window_id=window.id, site_version_id=version.id, applicant_name=name,
                applicant_id_type="居民身份证", applicant_id_number=id_number, data={},
                state="submitted" if number else "draft"))
        db.session.commit()
    return published


def found(client, text: str) -> list[str]:
    """The applicants listed (a draft by its name), or the case number opened at once."""
    response = client.get("/find/", query_string={"q": text})
    if response.status_code == 302:
        return ["→ " + client.get(response.location).get_data(as_text=True).split("<title>")[1]
                .split(" ")[0]]
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.findall(r'<tr data-case="\d+">\s*<td><a [^>]*>[^<]*</a></td>\s*<td>([^<]*)</td>', html)


def test_a_clerk_finds_by_number_name_or_identity_within_their_windows(searched) -> None:
    client = searched.test_client()
    login(client, "mz-clerk")  # at MZ01
    page = client.get("/worklist/").get_data(as_text=True)
    assert 'data-testid="find-box"' in page and 'action="/find/"' in page
    # a whole number opens its case
    assert found(client, "MZ202611290001")[0].startswith("→ ")
    assert "MZ202611290001" in client.get("/find/?q=MZ202611290001", follow_redirects=True).get_data(
        as_text=True)
    # typed through an input method, in lower case, with a space: still the day's numbers
    assert sorted(found(client, "ｍｚ２０２６ 1130")) == ["王秀兰", "王秀英"]
    # the name from its first two characters: the 卫健 case and MZ02's are not the clerk's
    assert sorted(found(client, "王秀")) == ["王秀兰", "王秀英"]
    assert found(client, "欧阳") == ["欧阳娜娜"]
    # an identity number whole, with a lowercase x, or in full width
    assert found(client, "11010519491231002x") == ["王秀英"]
    assert found(client, "３２１１８３１９５８０１０１００１Ｘ") == ["欧阳娜娜"]
    assert found(client, "440305200001011237") == ["王秀兰"]
    # a draft is found by its applicant, listed as a draft
    html = client.get("/find/?q=王_").get_data(as_text=True)
    assert "王_测试" in html and ">草稿</a>" in html
    # LIKE's and GLOB's wildcards are plain characters
    assert found(client, "王%") == [] and found(client, "王*") == [] and found(client, "王?") == []
    # not another window's case, nor another sub-center's
    assert found(client, "李建国") == [] and found(client, "WS202611300001") == []
    assert "您可查看的办件中没有" in client.get("/find/?q=李建国").get_data(as_text=True)
    # too short to search: asked for more, nothing listed
    short = client.get("/find/?q=王").get_data(as_text=True)
    assert "请多输入几个字" in short and "data-case" not in short


def test_a_manager_finds_across_their_sub_center_and_the_center_everywhere(searched) -> None:
    client = searched.test_client()
    login(client, "mz-manager")
    assert sorted(found(client, "王秀")) == ["王秀兰", "王秀英"]
    assert found(client, "李建国") == ["李建国"]
    center = searched.test_client()
    login(center, "center-auditor")
    assert sorted(found(center, "11010519491231002X")) == ["王秀英", "王秀英"]  # 民政 and 卫健
    html = center.get("/find/?q=11010519491231002X").get_data(as_text=True)
    assert "110105********002X" in html and "11010519491231002X</td>" not in html  # the birth date kept back
