"""The form designer, as a sub-center manager uses it: change, see problems, publish."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import FormVersion, Item, Offering, SubCenter, db
from tests.support.world import PASSWORD, csrf_token, login


@pytest.fixture
def desk(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        mine = db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-dibao")).one().id
        foreign = db.session.scalars(select(Offering).join(SubCenter).where(
            SubCenter.code == "ws").order_by(Offering.id)).first().id
    client = published.test_client()
    login(client, "mz-manager")
    return published, client, mine, foreign


def state(page: str) -> tuple[str, dict]:
    overlay = re.search(r'name="overlay" value="([^"]*)"', page).group(1)
    import html

    return csrf_token(page), json.loads(html.unescape(overlay))


def act(client, url: str, page: str, **fields):
    token, overlay = state(page)
    data = {"csrf_token": token, "overlay": json.dumps(overlay, ensure_ascii=False), **fields}
    if fields.get("op") == "publish":
        data["base_version"] = re.search(r'name="base_version" value="(\d+)"', page).group(1)
    return client.post(url, data=data)


NEW_FIELD = {"op": "save_field", "field": "", "name": "bank_account", "label": "低保金发放银行账号",
             "type": "text", "section": "household", "required": "y", "max_length": "30"}


def test_a_manager_adds_a_field_sees_it_in_the_preview_and_publishes(desk) -> None:
    app, client, mine, _ = desk
    url = f"/designer/{mine}"
    page = client.get(url).get_data(as_text=True)
    assert "没有问题：可以发布" in page and "预览" in page
    page = act(client, url, page, **NEW_FIELD).get_data(as_text=True)
    assert "低保金发放银行账号" in page.split("designer-preview")[1]  # in the preview
    response = act(client, url, page, op="publish")
    assert response.status_code == 302
    with app.app_context():
        offering = db.session.get(Offering, mine)
        assert (offering.form_version.scope, offering.form_version.number) == ("mz", 2)
        names = [f["name"] for s in offering.form_version.definition["sections"] for f in s["fields"]]
        assert "bank_account" in names and "large_spending" in names
        assert db.session.scalar(select(FormVersion.created_by).where(
            FormVersion.id == offering.form_version_id)) == "mz-manager"


def test_problems_are_listed_with_their_path_and_block_publishing(desk) -> None:
    app, client, mine, _ = desk
    url = f"/designer/{mine}"
    page = client.get(url).get_data(as_text=True)
    page = act(client, url, page, **{**NEW_FIELD, "visible_if": "has_propety"}).get_data(as_text=True)
    problems = page.split('data-testid="designer-problems"')[1].split("portal-publish")[0]
    assert "schema.E072" in problems and "sections[" in problems and "has_property" in problems
    response = act(client, url, page, op="publish")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Offering, mine).form_version.number == 1


def test_a_locked_field_cannot_be_removed_or_loosened(desk) -> None:
    app, client, mine, _ = desk
    url = f"/designer/{mine}"
    page = client.get(url).get_data(as_text=True)
    page = act(client, url, page, op="remove", field="id_number").get_data(as_text=True)
    assert "schema.E079" in page
    page = client.get(url).get_data(as_text=True)
    loosened = {"op": "save_field", "field": "applicant_name", "name": "applicant_name",
                "label": "申请人姓名", "type": "text", "section": "applicant", "required": "",
                "max_length": "50"}
    page = act(client, url, page, **loosened).get_data(as_text=True)
    assert "schema.E079" in page and "required" in page


def test_an_unlocked_field_is_removed_and_restored_and_own_fields_move(desk) -> None:
    app, client, mine, _ = desk
    url = f"/designer/{mine}"
    page = client.get(url).get_data(as_text=True)
    page = act(client, url, page, op="remove", field="landline").get_data(as_text=True)
    assert "本分中心已删除" in page and 'name="landline"' not in page.split("designer-preview")[1]
    page = act(client, url, page, op="restore", field="landline").get_data(as_text=True)
    assert 'name="landline"' in page.split("designer-preview")[1]
    page = act(client, url, page, **NEW_FIELD).get_data(as_text=True)
    order = re.findall(r'data-field="(\w+)"', page.split('data-testid="designer-structure"')[1])
    assert order.index("bank_account") > order.index("large_spending")
    page = act(client, url, page, op="up", field="bank_account").get_data(as_text=True)
    order = re.findall(r'data-field="(\w+)"', page.split('data-testid="designer-structure"')[1])
    assert order.index("bank_account") == order.index("large_spending") - 1
    assert "没有问题" in page


def test_a_manager_cannot_open_another_sub_centers_designer(desk) -> None:
    app, client, _, foreign = desk
    assert client.get(f"/designer/{foreign}").status_code == 404
    clerk = app.test_client()
    login(clerk, "mz-clerk")
    assert clerk.get("/designer/").status_code in (302, 403)


def test_a_manager_adds_places_and_removes_a_section_of_their_own(desk) -> None:
    app, client, mine, _ = desk
    url = f"/designer/{mine}"
    page = client.get(url).get_data(as_text=True)
    page = act(client, url, page, op="add_section", section_name="verify",
               section_title="入户核查").get_data(as_text=True)

    def sections(html: str) -> list[str]:
        part = html.split('data-testid="designer-structure"')[1].split("portal-add-section")[0]
        return re.findall(r'data-section="(\w+)"', part)

    assert sections(page)[-1] == "verify"
    page = act(client, url, page, **{**NEW_FIELD, "name": "visit_date", "label": "入户核查日期",
                                     "type": "date", "section": "verify", "max_length": ""}
               ).get_data(as_text=True)
    assert "入户核查日期" in page.split("designer-preview")[1]
    page = act(client, url, page, op="section_up", section="verify").get_data(as_text=True)
    assert sections(page)[-2:] == ["verify", "materials"]
    preview = page.split("designer-preview")[1]
    assert preview.index("入户核查") < preview.index("申请材料")
    assert "没有问题" in page
    response = act(client, url, page, op="publish")
    assert response.status_code == 302
    with app.app_context():
        definition = db.session.get(Offering, mine).form_version.definition
        assert [s["name"] for s in definition["sections"]][-2:] == ["verify", "materials"]
    page = client.get(url).get_data(as_text=True)
    page = act(client, url, page, op="remove_section", section="verify").get_data(as_text=True)
    assert "verify" not in sections(page)
    page = act(client, url, page, op="remove_section", section="household").get_data(as_text=True)
    assert "household" in sections(page)  # the center's sections stay
