"""三级便民服务网络 in Debian's Chromium at 1366 px: the center's auditor and 华阳街道's manager
read the monthly report's network section and the worklist's block over the demo's 代办 cases —
the center every town with its villages under it, the town manager their own town only — with
axe-core on both sections (the desk layout around them, Flask-AppBuilder's, is not axe-clean:
its header's role="header", the navbar's contrast, the language menu's unnamed link). The figures
themselves are hand-worked in tests/test_network.py."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.browser import axe_problems

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _desk(live, username: str):
    context = live.browser.new_context(locale="zh-CN", bypass_csp=True, viewport=DESK)
    live.contexts.append(context)
    page = context.new_page()
    page.goto(live.url + "/login/")
    page.fill("#username", username)
    page.fill("#password", live.password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    return page


def _rows(page, testid: str) -> list[str]:
    return page.locator(f"[data-testid={testid}] tr[data-network]").evaluate_all(
        "rows => rows.map(r => r.dataset.network)")


def test_the_center_and_a_town_manager_read_the_network(live, browser) -> None:
    month = dt.datetime.now(SHANGHAI).strftime("%Y-%m")  # the demo's 代办 cases are of these days
    for username, towns in (("center-auditor", {"baohua", "huayang"}), ("huayang-manager", {"huayang"})):
        page = _desk(live, username)
        page.goto(f"{live.url}/reports/monthly?month={month}")
        section = page.locator("[data-testid=network-month]")
        assert section.get_by_role("heading", name="三级便民服务网络").is_visible()
        rows = _rows(page, "network-month")
        assert {r.split("/")[0] for r in rows if r != "total"} == towns, username
        assert "huayang/蜀山村" in rows and "huayang/石狮村" in rows  # villages under their town
        headers = section.locator("thead th").all_inner_texts()
        assert headers[:8] == ["镇（街道）/ 村代办点", "代办受理", "转报送达", "分中心已受理",
                               "平均在途（工作日）", "最长在途（工作日）", "已回复", "催办次数"]
        assert headers[8:] == ["今日在途", "今日待回复"]  # the month under way
        section.scroll_into_view_if_needed()
        live.shot(page, f"network-month-{username}-1366")
        assert axe_problems(page, "[data-testid=network-month]") == []

        page.goto(live.url + "/worklist/")
        block = page.locator("[data-testid=network-today]")
        assert block.get_by_role("heading", name="三级便民服务网络").is_visible()
        assert {r.split("/")[0] for r in _rows(page, "network-today")} == towns, username
        assert block.locator(".portal-network-table thead th").all_inner_texts() == [
            "镇（街道）/ 村代办点", "在途", "送达超期", "已催办", "待回复"]
        # the demo's pressed cases, each delivered and the window late with it, are listed
        assert block.locator("[data-testid=network-late] tr[data-late]").count() >= 1
        block.scroll_into_view_if_needed()
        live.shot(page, f"network-worklist-{username}-1366")
        assert axe_problems(page, "[data-testid=network-today]") == []
