"""The web portal as a center admin first meets it: a Chinese login page, then the home page."""

from __future__ import annotations

import re

import pytest

from portal.web.security import ensure_center_admin

PASSWORD = "正确的密码-2026"


@pytest.fixture
def portal(published):
    with published.app_context():
        ensure_center_admin("admin", PASSWORD)
    return published


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


def login(client, password: str) -> str:
    """Log in through the form as a user would; return the page that follows."""
    token = _csrf(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": "admin", "password": password,
                                            "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_page_is_in_simplified_chinese(portal) -> None:
    page = portal.test_client().get("/login/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r"<title>登录 - 句容市政务服务中心</title>", html)
    assert '<html lang="zh-CN">' in html
    for text in ("登录", "用户名", "密码"):
        assert text in html
    assert "Username" not in html and "Password" not in html


def test_center_admin_logs_in_and_sees_every_sub_center(portal) -> None:
    html = login(portal.test_client(), PASSWORD)
    for name in ("句容市政务服务卫生分中心", "句容市政务服务民政分中心", "句容市政务服务人社分中心",
                 "句容市政务服务公安交巡警分中心", "句容市政务服务房地产交易分中心",
                 "华阳街道便民服务中心", "宝华镇便民服务中心"):
        assert name in html
    assert "注销" in html  # logged in: the logout link shows


def test_wrong_password_is_refused(portal) -> None:
    html = login(portal.test_client(), "wrong")
    assert "注销" not in html
    assert "登录" in html


def test_login_without_csrf_token_is_rejected(portal) -> None:
    client = portal.test_client()
    client.get("/login/")
    response = client.post("/login/", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "注销" not in home


def test_session_cookie_is_http_only(portal) -> None:
    response = portal.test_client().get("/login/")
    cookie = response.headers.get("Set-Cookie", "")
    assert "session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_english_is_the_second_locale(portal) -> None:
    client = portal.test_client()
    client.get("/lang/en")
    html = client.get("/login/").get_data(as_text=True)
    assert "Username" in html or "User Name" in html


def test_home_page_before_any_sync_says_what_to_do(app) -> None:
    html = app.test_client().get("/").get_data(as_text=True)
    assert "尚未发布任何声明" in html


def test_workers_starting_together_share_one_demo_secret(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from portal.web.app import _instance_secret

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: _instance_secret(tmp_path / "instance"), range(8)))
    assert len(keys) == 1
    assert len(keys.pop()) == 64
    assert oct((tmp_path / "instance" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_a_malformed_address_parameter_is_a_400_in_chinese(published) -> None:
    from portal.cli.demo import ensure_demo_users
    from tests.support.world import PASSWORD, signed_in

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    auditor = signed_in(published, "center-auditor")
    for query in ("year=abc", "quarter=1x", "year=2026&quarter=%E4%B8%80"):
        response = auditor.get(f"/assessment/awards?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert "应为整数" in page and "无法处理此请求" in page and "首页" in page, query
    assert auditor.get("/assessment/awards?year=2026&quarter=3").status_code == 200


def test_signing_in_from_the_sign_in_page_logs_no_warning(portal, caplog) -> None:
    """The sign-in page opened directly names no page to go back to: not a warning in the log
    (FAB logged "Invalid redirect detected" for every such sign-in)."""
    import logging

    from tests.support.world import login

    with caplog.at_level(logging.WARNING):
        login(portal.test_client(), "admin")
    assert not [r for r in caplog.records if "redirect" in r.getMessage()]
