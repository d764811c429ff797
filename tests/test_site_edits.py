"""A sub-center manager edits the sub-center's declarations in the browser: each save is a
new published version, checked like `portal check`, and a rejected form keeps what was typed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.cli.demo import ensure_demo_users
from portal.models import SiteVersion, SubCenter, Window, db
from portal.site.publish import current_version
from tests.support.world import PASSWORD, csrf_token, login


@pytest.fixture
def portal(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    return published


def _pk(app, model, code: str) -> int:
    with app.app_context():
        return db.session.scalars(select(model.id).where(model.code == code)).one()


def _open(client, path: str) -> dict[str, str]:
    """What the edit form carries besides the visible fields: CSRF token and base version."""
    html = client.get(path).get_data(as_text=True)
    base = re.search(r'id="base_version" name="base_version" type="hidden" value="(\d+)"', html)
    assert base, "the form remembers the version it was opened on"
    return {"csrf_token": csrf_token(html), "base_version": base.group(1)}


def _edit(client, path: str, values: dict[str, str]):
    return client.post(path, data={**values, **_open(client, path)})


def test_manager_changes_the_phone_and_a_new_version_is_published(portal) -> None:
    client = portal.test_client()
    login(client, "mz-manager")
    pk = _pk(portal, SubCenter, "mz")
    saved = _edit(client, f"/subcenters/edit/{pk}", {
        "address": "江苏省句容市华阳北路56号民政服务大厅", "phone": "0511-87280999",
        "hours": "工作日 上午8:30—12:00，下午13:30—17:30（法定节假日除外）"})
    assert saved.status_code == 302
    with portal.app_context():
        version = current_version(db.session)
        assert version.number == 2 and version.source == "browser"
        assert version.created_by == "mz-manager"
        assert version.documents["subcenters"]["mz"]["phone"] == "0511-87280999"
        assert db.session.get(SubCenter, pk).phone == "0511-87280999"
    shown = client.get(f"/subcenters/show/{pk}").get_data(as_text=True)
    assert "0511-87280999" in shown and "已发布为第 2 版" in shown


def test_a_bad_value_is_shown_at_its_field_and_nothing_is_published(portal) -> None:
    client = portal.test_client()
    login(client, "mz-manager")
    pk = _pk(portal, SubCenter, "mz")
    refused = _edit(client, f"/subcenters/edit/{pk}", {
        "address": "新地址123号", "phone": "87-28", "hours": "全天"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert re.search(r'value="87-28"', html) and "新地址123号" in html  # kept what was typed
    # in the manager's language: what the code means, the value given, the code
    assert re.search(r"phone：不是有效的电话号码：(&#39;|')87-28(&#39;|')（schema.E028）", html)
    assert "is not a phone number" not in html  # the checker's English stays on the command line
    english = portal.test_client()
    login(english, "mz-manager")
    english.get("/lang/en")
    html = _edit(english, f"/subcenters/edit/{pk}", {
        "address": "新地址123号", "phone": "87-28", "hours": "全天"}).get_data(as_text=True)
    assert "schema.E028: " in html and "is not a phone number" in html
    with portal.app_context():
        assert db.session.scalar(select(func.count()).select_from(SiteVersion)) == 1
        assert db.session.get(SubCenter, pk).address != "新地址123号"


def test_manager_renames_a_window(portal) -> None:
    client = portal.test_client()
    login(client, "ws-manager")
    pk = _pk(portal, Window, "WS02")
    saved = _edit(client, f"/windows/edit/{pk}", {"name": "医保参保登记窗口",
                                                   "department": "句容市医疗保障局基金征缴科"})
    assert saved.status_code == 302
    with portal.app_context():
        assert db.session.get(Window, pk).name == "医保参保登记窗口"
        assert current_version(db.session).source == "browser"


def test_clerks_and_auditors_cannot_edit_declarations(portal) -> None:
    pk = _pk(portal, SubCenter, "ws")
    for username in ("ws-clerk", "ws-auditor"):
        client = portal.test_client()
        login(client, username)
        assert client.get(f"/subcenters/edit/{pk}").status_code == 403, username


def test_a_save_on_top_of_a_newer_version_is_refused_until_checked(portal) -> None:
    pk = _pk(portal, SubCenter, "mz")
    path = f"/subcenters/edit/{pk}"
    first, second = portal.test_client(), portal.test_client()
    login(first, "mz-manager")
    login(second, "mz-manager")
    opened = _open(second, path)  # the second manager opens the form now, saves later
    hours = "工作日 上午8:30—12:00，下午13:30—17:30（法定节假日除外）"
    assert _edit(first, path, {"address": "江苏省句容市华阳北路56号", "phone": "0511-87280621",
                               "hours": hours}).status_code == 302
    late = second.post(path, data={**opened, "address": "江苏省句容市华阳北路58号",
                                   "phone": "0511-87280622", "hours": hours})
    html = late.get_data(as_text=True)
    assert late.status_code == 200 and "打开本表单后已发布第 2 版" in html
    assert "华阳北路58号" in html and 'name="base_version" type="hidden" value="2"' in html
    with portal.app_context():
        assert current_version(db.session).number == 2
    again = second.post(path, data={**opened, "base_version": "2",
                                    "address": "江苏省句容市华阳北路58号",
                                    "phone": "0511-87280622", "hours": hours})
    assert again.status_code == 302
    with portal.app_context():
        assert current_version(db.session).number == 3
        assert db.session.get(SubCenter, pk).address == "江苏省句容市华阳北路58号"


def test_a_save_forks_nothing_and_shapes_only_the_file_it_changed(portal, monkeypatch, tmp_path) -> None:
    """A save in the browser is checked inside the web worker — no pool of processes that a
    killed worker would leave behind — and reshapes only what it changed: the sub-center's
    file, not the site's other files (on a county's site, seconds instead of minutes)."""
    from portal.core.recent import Recent
    from portal.site import edits, loader

    def no_pool(*args, **kwargs):
        raise AssertionError("a web request forked a process pool")

    monkeypatch.setenv("PORTAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(loader, "PARALLEL_FROM", 1)  # any folder would be shaped in a pool
    monkeypatch.setattr(loader, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(edits, "_checked", Recent(keep=2))  # no check of an earlier test reused
    shaped: list[str] = []
    real = loader._shape

    def counting(root, kind, path):
        shaped.append(path.relative_to(root).as_posix())
        return real(root, kind, path)

    monkeypatch.setattr(loader, "_shape", counting)
    client = portal.test_client()
    login(client, "mz-manager")
    pk = _pk(portal, SubCenter, "mz")
    values = {"address": "江苏省句容市华阳北路56号民政服务大厅",
              "hours": "工作日 上午8:30—12:00，下午13:30—17:30（法定节假日除外）"}
    assert _edit(client, f"/subcenters/edit/{pk}", {**values, "phone": "0511-87280998"}).status_code == 302
    assert len(shaped) > 40  # the first save shapes the whole site once
    shaped.clear()
    assert _edit(client, f"/subcenters/edit/{pk}", {**values, "phone": "0511-87280997"}).status_code == 302
    assert shaped == ["schema/subcenters/mz.yaml"]
    with portal.app_context():
        assert current_version(db.session).documents["subcenters"]["mz"]["phone"] == "0511-87280997"
