"""The generated screens as their users meet them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import Item, db
from portal.site import load_site
from portal.site.publish import publish
from portal.web.security import ensure_center_admin
from tests.support.world import PASSWORD, add_cases, csv_rows, login


@pytest.fixture
def portal(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        ensure_center_admin("admin", PASSWORD)
        add_cases(per_window=2)
    return published


def _item_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Item.id).where(Item.code == code)).one()


def test_item_detail_groups_the_seven_disclosures(portal) -> None:
    client = portal.test_client()
    login(client, "mz-clerk")
    html = client.get(f"/items/show/{_item_id(portal, 'mz-dibao')}").get_data(as_text=True)
    for tab in ("设立依据", "申报条件", "申报材料", "办理流程", "办理期限", "办结方式", "收费标准"):
        assert f'data-toggle="tab">{tab}</a>' in html
    assert "《社会救助暂行办法》" in html and "第九条至第十三条" in html
    assert "<td>分中心管理员</td>" in html  # the 审核 step: who acts, by role name
    assert "中心扩展属性" in html and "是否跨省通办" in html and "三级（网上预审）" in html


def test_a_property_the_center_adds_shows_after_sync_without_restart(portal, demo_site) -> None:
    client = portal.test_client()
    login(client, "admin")
    url = f"/items/show/{_item_id(portal, 'yb-ydaz')}"
    assert "是否全市通办" not in client.get(url).get_data(as_text=True)
    center = demo_site / "schema" / "center.yaml"
    center.write_text(center.read_text(encoding="utf-8") + (
        "  tongban:\n    label: 是否全市通办\n    type: yesno\n"), encoding="utf-8")
    item = demo_site / "schema" / "items" / "yb-ydaz.yaml"
    item.write_text(item.read_text(encoding="utf-8") + "  tongban: true\n", encoding="utf-8")
    site, problems = load_site(demo_site)
    assert site is not None, problems
    with portal.app_context():  # what `portal sync` does; the running app is not touched
        publish(db.session, site, by="test")
    html = client.get(url).get_data(as_text=True)
    assert "是否全市通办" in html


def test_the_filter_dropdowns_follow_the_scope_and_each_publication(portal, demo_site) -> None:
    """The list's filter on a related record offers the records the user may see, and what a
    publication changes shows on the next view (the dropdowns are kept between views)."""
    admin, clerk = portal.test_client(), portal.test_client()
    login(admin, "admin")
    login(clerk, "mz-clerk")
    for _ in range(2):  # the second view is served from what the first rendered
        everything = admin.get("/cases/list/").get_data(as_text=True)
        assert "城乡最低生活保障对象认定" in everything and "WS01 医保待遇窗口" in everything
        mine = clerk.get("/cases/list/").get_data(as_text=True)
        assert "MZ01 社会救助窗口" in mine and "WS01 医保待遇窗口" not in mine
    item = demo_site / "schema" / "items" / "mz-dibao.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace(
        "name: 城乡最低生活保障对象认定", "name: 城乡低保对象认定", 1), encoding="utf-8")
    site, problems = load_site(demo_site)
    assert site is not None, problems
    with portal.app_context():
        publish(db.session, site, by="test")
    renamed = admin.get("/cases/list/").get_data(as_text=True)
    assert "城乡低保对象认定" in renamed and "城乡最低生活保障对象认定" not in renamed


def _filters_script(response) -> tuple[str, str]:
    """(the nonce of the search form's script, the script), and the page's CSP nonce checked."""
    html = response.get_data(as_text=True)
    scripts = re.findall(r'<script nonce="([^"]*)">(.*?)</script>', html, re.S)
    nonce, script = next((n, body) for n, body in scripts if "new AdminFilters" in body)
    policy = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert nonce == policy and "0PORTALNONCE0" not in html
    return nonce, script


def test_a_kept_search_form_carries_each_pages_nonce_and_a_filtered_one_its_values(portal) -> None:
    clerk = portal.test_client()
    login(clerk, "mz-clerk")
    first, _ = _filters_script(clerk.get("/cases/list/"))
    second, _ = _filters_script(clerk.get("/cases/list/"))  # served from the kept form
    assert first != second
    _, filtered = _filters_script(clerk.get("/cases/list/?_flt_0_applicant_name=王秀"))
    assert "王秀" in filtered or "\\u738b\\u79c0" in filtered  # the filter's value, as typed
    _, plain = _filters_script(clerk.get("/cases/list/"))
    assert "王秀" not in plain and "\\u738b\\u79c0" not in plain


def test_every_page_carries_the_unified_name_and_identity(portal) -> None:
    client = portal.test_client()
    login(client, "huayang-manager")
    for path in ("/", "/cases/list/", "/windows/list/", "/items/list/", "/offerings/list/",
                 "/subcenters/list/"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-testid="identity"' in html, path
        assert "华阳街道便民服务中心" in html and "统一标识码 321183-HUAYANG" in html, path


def test_case_list_exports_csv_with_the_screens_filters(portal) -> None:
    client = portal.test_client()
    login(client, "ws-manager")
    response = client.get("/cases/export.csv?_flt_0_number=WS02")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = csv_rows(response)
    assert rows[0] == ["办件编号", "事项", "分中心", "窗口", "申请人", "状态", "创建时间", "申请表内容"]
    assert len(rows) == 3 and all(r[0].startswith("WS02-") for r in rows[1:])
    assert {r[5] for r in rows[1:]} <= {"已受理"}
    with portal.app_context():  # the stream gave its connection back (a leak exhausts the pool)
        assert db.engine.pool.checkedout() == 0


def test_list_search_sort_and_page(portal) -> None:
    client = portal.test_client()
    login(client, "admin")
    html = client.get("/cases/list/?_oc_CaseScreen=number&_od_CaseScreen=asc&psize_CaseScreen=5"
                      ).get_data(as_text=True)
    assert html.index("BH01-2026-00001") < html.index("BH01-2026-00002")
    assert "记录数目" in html
    found = client.get("/cases/list/?_flt_0_applicant_name=申请人MZ01").get_data(as_text=True)
    assert "MZ01-2026-00001" in found and "WS01-2026-00001" not in found


def test_a_long_list_counts_only_ahead_of_the_page_and_says_so(portal, monkeypatch) -> None:
    """A list does not count a whole large table on each view: it counts a bounded distance
    past the page (1,000 rows; 3 here), shows "3+" when there are more, and pages on."""
    from portal.web import datamodel

    client = portal.test_client()
    login(client, "admin")
    with portal.app_context():
        from portal.models import Case

        total = db.session.query(Case).count()
    assert total > 8
    everything = client.get("/cases/list/?psize_CaseScreen=2").get_data(as_text=True)
    assert re.search(rf"记录数目:</strong>\s*{total}\b", everything)
    monkeypatch.setattr(datamodel, "COUNT_AHEAD", 3)
    first = client.get("/cases/list/?psize_CaseScreen=2").get_data(as_text=True)
    assert re.search(r"记录数目:</strong>\s*3\+", first)
    later = client.get("/cases/list/?psize_CaseScreen=2&page_CaseScreen=2").get_data(as_text=True)
    assert re.search(r"记录数目:</strong>\s*7\+", later)  # counted from the page on: 2 × 2 + 3
    # the pager reaches as far as was counted: page 2 (0-based 1) first, then page 4
    assert "page_CaseScreen=1" in first and "page_CaseScreen=2" not in first
    assert "page_CaseScreen=3" in later
    numbers = set(re.findall(r"[A-Z]{2}\d\d-2026-\d{5}", later))
    assert len(numbers) == 2
    api = client.get("/api/v1/cases/?q=(page:0,page_size:2)").get_json()
    assert api["count"] == 3 and len(api["ids"]) == 2
    monkeypatch.setattr(datamodel, "COUNT_AHEAD", total + 5)
    assert client.get("/api/v1/cases/?q=(page:0,page_size:2)").get_json()["count"] == total
    # the count rides with the page's rows; a page past the end, with none, is counted alone
    past = client.get("/cases/list/?psize_CaseScreen=2&page_CaseScreen=999").get_data(as_text=True)
    assert re.search(rf"记录数目:</strong>\s*{total}\b", past)
    assert not re.findall(r"[A-Z]{2}\d\d-2026-\d{5}", past)


def test_a_clerks_list_counts_their_own_cases_only(portal) -> None:
    """The count above the list goes through the scope rule as the rows do: a clerk reads the
    number of their window's cases, not the center's."""
    from portal.models import Case, PortalUser

    client = portal.test_client()
    login(client, "ws-clerk")
    with portal.app_context():
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        windows = [w.id for w in clerk.windows]
        own = db.session.query(Case).filter(Case.window_id.in_(windows)).count()
        total = db.session.query(Case).count()
    assert 0 < own < total
    listing = client.get("/cases/list/").get_data(as_text=True)
    assert re.search(rf"记录数目:</strong>\s*{own}\b", listing)
    assert client.get("/api/v1/cases/?q=(page:0,page_size:2)").get_json()["count"] == own


def test_two_clerks_paging_and_sorting_the_same_list_each_read_their_own_window(portal) -> None:
    """A list without a search runs statements built once and kept (per sort); each clerk's
    scope is applied at each run: the second clerk, sorting and paging as the first did, reads
    their own window's cases, in the order asked, and each page its own rows."""
    from portal.models import Case, PortalUser

    def numbers(html: str) -> list[str]:
        return re.findall(r"<td>([A-Z]{2}\d\d-2026-\d{5})</td>", html)

    for username in ("ws-clerk", "mz-clerk", "ws-clerk"):
        with portal.app_context():
            clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == username)).one()
            own = sorted(db.session.scalars(select(Case.number).where(
                Case.window_id.in_([w.id for w in clerk.windows]))), reverse=True)
        assert len(own) >= 2
        client = portal.test_client()
        login(client, username)
        sort = "_oc_CaseScreen=number&_od_CaseScreen=desc&psize_CaseScreen=1"
        first = client.get(f"/cases/list/?{sort}").get_data(as_text=True)
        second = client.get(f"/cases/list/?{sort}&page_CaseScreen=1").get_data(as_text=True)
        assert numbers(first) + numbers(second) == own[:2], username
        assert re.search(rf"记录数目:</strong>\s*{len(own)}\b", second)
        # the list as it opens: the same cases, in the screen's own order
        assert sorted(numbers(client.get("/cases/list/?psize_CaseScreen=100").get_data(as_text=True)),
                      reverse=True) == own


def test_clerk_edits_a_case_but_cannot_add_or_delete(portal) -> None:
    client = portal.test_client()
    login(client, "ws-clerk")
    listing = client.get("/cases/list/").get_data(as_text=True)
    assert "/cases/edit/" in listing
    assert "/cases/add" not in listing and "/cases/delete/" not in listing
    assert client.get("/cases/add").status_code == 403


def test_center_admin_creates_a_clerk_bound_to_a_window(portal) -> None:
    from flask_appbuilder.security.sqla.models import Role

    from portal.models import PortalUser, Window
    from tests.support.world import csrf_token

    with portal.app_context():
        clerk_role = db.session.scalars(select(Role.id).where(Role.name == "窗口工作人员")).one()
        window = db.session.scalars(select(Window.id).where(Window.code == "WS02")).one()
    admin = portal.test_client()
    login(admin, "admin")
    token = csrf_token(admin.get("/users/add").get_data(as_text=True))
    created = admin.post("/users/add", data={
        "csrf_token": token, "first_name": "李秀英", "last_name": "医保参保窗口",
        "username": "li-xiuying", "active": "y", "email": "li@portal.invalid",
        "roles": [str(clerk_role)], "windows": [str(window)],
        "password": "Counter-2026-密码", "conf_password": "Counter-2026-密码"})
    errors = re.findall(r'alert-danger">\s*([^<]+)', created.get_data(as_text=True))
    assert created.status_code == 302, errors
    with portal.app_context():
        user = db.session.scalars(select(PortalUser).where(PortalUser.username == "li-xiuying")).one()
        assert [w.code for w in user.windows] == ["WS02"] and not user.center_wide
    clerk = portal.test_client()
    login(clerk, "li-xiuying", "Counter-2026-密码")
    numbers = {row["number"] for row in clerk.get("/api/v1/cases/").get_json()["result"]}
    assert numbers == {"WS02-2026-00001", "WS02-2026-00002"}


def test_only_the_center_admin_manages_users(portal) -> None:
    for username in ("ws-manager", "ws-clerk", "center-auditor"):
        client = portal.test_client()
        login(client, username)
        assert client.get("/users/list/").status_code == 403, username
        assert client.get("/api/v1/users/").status_code == 403, username


def test_center_admin_exports_the_users(portal) -> None:
    client = portal.test_client()
    login(client, "admin")
    assert "导出 CSV" in client.get("/users/list/").get_data(as_text=True)
    response = client.get("/users/export.csv")
    rows = csv_rows(response)
    clerk = next(r for r in rows if r[1] == "ws-clerk")
    assert "窗口工作人员" in clerk[2] and "WS01 医保待遇窗口" in clerk[5]


def test_times_show_in_the_centers_zone_to_the_minute(portal) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from portal.models import Case

    client = portal.test_client()
    login(client, "ws-clerk")
    with portal.app_context():
        case = db.session.scalars(select(Case).where(Case.number == "WS01-2026-00001")).one()
        created = case.created_at
    if created.tzinfo is None:  # SQLite keeps the server's UTC without a zone
        created = created.replace(tzinfo=dt.UTC)
    local = created.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    html = client.get(f"/cases/show/{case.id}").get_data(as_text=True)
    assert local in html
    assert "None" not in html and "+00:00" not in html


def test_a_signed_in_page_reads_its_user_and_the_newest_publication_together(portal, demo_site) -> None:
    """The page's first questions — who is signed in, and the newest publication with the
    stamps of what a worker keeps — are one statement; a publication made meanwhile is seen
    on the very next page."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    client = portal.test_client()
    login(client, "ws-clerk")
    url = f"/items/show/{_item_id(portal, 'yb-ydaz')}"
    event.listen(Engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    first = sent[0]
    assert "FROM ab_user JOIN user_session" in first and "site_publication" in first, first
    assert "新异地安置退休人员备案" not in client.get(url).get_data(as_text=True)
    assert not any("site_publication" in s for s in sent[1:]), sent
    # a new publication: the next page is of it
    item = demo_site / "schema" / "items" / "yb-ydaz.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("name: ", "name: 新", 1), encoding="utf-8")
    site, problems = load_site(demo_site)
    assert site is not None, problems
    with portal.app_context():
        publish(db.session, site, by="test")
    assert "新异地安置退休人员备案" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "", "?page_CaseScreen=2", "?_oc_CaseScreen=number&_od_CaseScreen=asc",
    "?_oc_CaseScreen=state&_od_CaseScreen=desc&psize_CaseScreen=50",
    "?_flt_0_applicant_name=张 三&x=a/b:c&y=中文%26", "?a=1&a=2&page_CaseScreen=1"])
def test_the_lists_page_size_and_sort_links_are_fabs(portal, query) -> None:
    """The list's links (pages, page sizes, sorts) are built from the page's address asked once
    (portal/web/listing.py): each is the very address FAB's own filter makes, whatever the
    page's arguments (a search in Chinese, a repeated argument, characters a query escapes)."""
    from flask import request
    from flask_appbuilder.filters import TemplateFilters

    from portal.web import listing

    fab = TemplateFilters(portal, portal.appbuilder.sm)
    pairs = [(listing.link_page, fab.link_page_filter, (0, 3)),
             (listing.link_page_size, fab.link_page_size_filter, (25, 100)),
             (listing.link_order, fab.link_order_filter, ("number", "state"))]
    with portal.test_request_context("/cases/list/" + query):
        request.url_rule, request.view_args = portal.create_url_adapter(request).match(return_rule=True)
        for ours, theirs, values in pairs:
            for value in values:
                assert ours(value, "CaseScreen") == theirs(value, "CaseScreen")
    # and a page of the list links as FAB would have
    client = portal.test_client()
    login(client, "admin")
    sorted_ = "psize_CaseScreen=2&_oc_CaseScreen=number&_od_CaseScreen=asc"
    html = client.get(f"/cases/list/?{sorted_}").get_data(as_text=True)
    escaped = sorted_.replace("&", "&amp;")
    assert f'href="/cases/list/?{escaped}&amp;page_CaseScreen=1"' in html
    assert f'href=/cases/list/?{escaped.replace("od_CaseScreen=asc", "od_CaseScreen=desc")}>' in html


class _Shape(HTMLParser):
    """A page as its tags, attributes and words, whitespace aside, with what changes from one
    request to the next blanked: script nonces, CSRF tokens, the search form's default times."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple] = []

    def handle_starttag(self, tag, attrs) -> None:
        token = dict(attrs).get("name") == "csrf_token"
        self.out.append(("<", tag, tuple(sorted(
            (k, "…" if k == "nonce" or (token and k == "value") else v) for k, v in attrs))))

    def handle_endtag(self, tag) -> None:
        self.out.append((">", tag))

    def handle_data(self, data) -> None:
        if words := " ".join(data.split()):
            self.out.append(("", re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", "…", words)))


def _signed_in_view(portal, user: str, path: str):
    """A client signed in as ``user``, the page at ``path`` as it answers, and its view."""
    client = portal.test_client()
    login(client, user)
    page = client.get(path)
    assert page.status_code == 200, path
    view = next(v for v in portal.appbuilder.baseviews
                if getattr(v, "route_base", None) == "/" + path.split("/")[1])
    return client, page.get_data(as_text=True), view


def _shape(html: str) -> list[tuple]:
    parser = _Shape()
    parser.feed(html)
    return parser.out


@pytest.mark.parametrize(("user", "path"), [
    ("ws-clerk", "/cases/list/"),
    ("ws-clerk", "/cases/list/?page_CaseScreen=1&psize_CaseScreen=2"),
    ("admin", "/cases/list/?psize_CaseScreen=2&page_CaseScreen=4&_oc_CaseScreen=number&_od_CaseScreen=asc"),
    ("admin", "/cases/list/?_oc_CaseScreen=state&_od_CaseScreen=desc&_flt_0_applicant_name=没有这个人"),
    ("admin", "/users/list/"), ("admin", "/roles/list/?psize_PortalRoleView=2"),
    ("mz-manager", "/windows/list/"), ("admin", "/items/list/?psize_ItemScreen=3&page_ItemScreen=2")])
def test_the_lean_list_widget_reads_as_fabs(portal, monkeypatch, user, path) -> None:
    """The list widget worked out in Python and one flat template (portal/web/listing.py) shows
    what FAB's own widget shows — pages, page sizes, sort links and icons, the add, show, edit
    and delete buttons each user may use, actions, the count, the rows — for clerks and
    managers, center-wide users, paged, sorted, searched with no match."""
    from flask_appbuilder.widgets import ListWidget

    client, ours, view = _signed_in_view(portal, user, path)
    monkeypatch.setattr(view, "list_widget", ListWidget)
    assert _shape(ours) == _shape(client.get(path).get_data(as_text=True))


@pytest.mark.parametrize(("user", "what"), [
    ("ws-clerk", "cases"), ("mz-manager", "cases"), ("center-auditor", "cases"), ("mz-clerk", "items"),
    ("admin", "users"), ("mz-manager", "windows")])
def test_the_lean_show_widget_reads_as_fabs(portal, monkeypatch, user, what) -> None:
    """The show widget joined in Python (portal/web/listing.py) shows what FAB's shows: each
    column's label and value as the view formats it, the actions the user may take, the back
    button — for a clerk's own case, a manager's and an auditor's, a site record, a user."""
    from flask_appbuilder.widgets import ShowWidget

    client, listed, view = _signed_in_view(portal, user, f"/{what}/list/")
    pk = re.search(rf'href="/{what}/show/(\d+)', listed).group(1)
    ours = client.get(f"/{what}/show/{pk}")
    assert ours.status_code == 200
    monkeypatch.setattr(view, "show_widget", ShowWidget)
    theirs = client.get(f"/{what}/show/{pk}").get_data(as_text=True)
    assert _shape(ours.get_data(as_text=True)) == _shape(theirs)


def test_the_session_cookie_is_sent_again_only_when_the_back_history_changes(portal) -> None:
    """FAB keeps the back button's history in the session and wrote it on every list and show
    page, so the session cookie was signed and sent again with each one. It is written only
    when the history changes — and the back button still goes back."""
    client = portal.test_client()
    login(client, "ws-clerk")
    first = client.get("/cases/list/")
    assert first.headers.getlist("Set-Cookie")  # a page the history did not hold yet
    again = client.get("/cases/list/")
    assert not again.headers.getlist("Set-Cookie")
    pk = re.search(r'href="/cases/show/(\d+)', first.get_data(as_text=True)).group(1)
    assert client.get(f"/cases/show/{pk}").headers.getlist("Set-Cookie")
    assert not client.get(f"/cases/show/{pk}").headers.getlist("Set-Cookie")
    back = client.get("/back")
    assert back.status_code == 302 and back.headers["Location"].endswith("/cases/list/")


@pytest.mark.parametrize("query", ["", "?sub_center=3&light=red", "?item=2&state=中文 %26&page=1",
                                   "?a=1&a=2"])
def test_a_pages_own_links_are_url_fors(portal, query) -> None:
    """The worklist's links to itself and to each case are made from addresses asked once per
    request (portal/web/listing.py ``here``, ``record_href``): each is the address ``url_for``
    makes, whatever the page's arguments."""
    from flask import request, url_for

    from portal.web import listing

    with portal.test_request_context("/worklist/" + query):
        request.url_rule, request.view_args = portal.create_url_adapter(request).match(return_rule=True)
        args = {k: v for k, v in request.args.items() if k not in ("page", "wpage") and v}
        for params in ({}, {**args, "sub_center": 7, "light": "yellow"}, {"page": 2, "wpage": 0, **args},
                       {"wpage": 1, "page": None, **args}):
            assert listing.here(**params) == url_for("WorklistView.index", **params)
        for endpoint, pk in (("CaseScreen.show", 12), ("FollowupsScreen.edit", 3), ("CaseScreen.show", 40)):
            assert listing.record_href(endpoint, pk) == url_for(endpoint, pk=pk)


@pytest.mark.parametrize(("user", "path"), [
    ("ws-clerk", "/cases/list/"), ("admin", "/cases/list/?psize_CaseScreen=3&page_CaseScreen=2"),
    ("admin", "/cases/list/?_oc_CaseScreen=applicant_name&_od_CaseScreen=asc"),
    ("mz-manager", "/windows/list/"), ("mz-manager", "/offerings/list/"), ("admin", "/items/list/"),
    ("center-auditor", "/branches/list/")])
def test_a_lists_plain_rows_read_as_its_records(portal, monkeypatch, user, path) -> None:
    """A list reads its page as plain rows — the columns it shows, and the names of the records
    it names (portal/web/datamodel.py ``_light_rows``) — and the page reads exactly as when
    its records are made."""
    client, light, view = _signed_in_view(portal, user, path)
    monkeypatch.setattr(view.datamodel, "light_rows", False)
    view.datamodel.__dict__.pop("_kept_lists", None)
    records = client.get(path).get_data(as_text=True)
    view.datamodel.__dict__.pop("_kept_lists", None)
    assert _shape(light) == _shape(records)
    assert re.search(r"<tbody>|<td>", records)
