"""十个有 in Debian's Chromium: the center's auditor inspects 华阳街道 on a desk screen (1366 px),
two items found missing — one shown by a photo, one by a note — and the town's manager finds
the result and the open findings on their start page; axe-core on the town centers' list, the
checklist, the recorded inspection and the start page's 十个有 part."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import axe_problems
from tests.test_browser_day import fits
from tests.test_town_standard import TEN, png

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}


def _axe_as(live, username: str, path: str, within: str) -> list:
    """axe-core on the part ``within`` of ``path`` as ``username``. The part this feature adds:
    the desk layout around it (FAB's header and navigation bar) has findings of its own, which
    are not this test's."""
    page = live.page_as(username, bypass_csp=True, viewport=DESK)
    page.goto(live.url + path)
    return axe_problems(page, within)


def test_an_auditor_inspects_a_town_center_and_its_manager_sees_the_findings(live) -> None:
    auditor = live.page_as("center-auditor")
    auditor.set_viewport_size(DESK)
    auditor.goto(live.url + "/town-standard/")
    row = auditor.locator("[data-town=huayang]")
    assert "华阳街道便民服务中心" in row.inner_text() and "有公示栏" in row.inner_text()  # the demo's
    live.shot(auditor, "town-standard-1366")
    with auditor.expect_navigation():
        row.get_by_role("link", name="开始检查").click()
    assert auditor.get_by_role("heading", name="“十个有”检查：华阳街道便民服务中心").is_visible()
    names = auditor.locator("[data-testid=checklist] tbody tr td:nth-child(2) strong")
    assert names.all_inner_texts() == TEN

    for n in range(1, 11):
        code = f"T{n:02d}"
        row = auditor.locator(f"tr[data-item={code}]")
        row.get_by_role("radio", name="缺" if code in ("T05", "T07") else "有").check()
    auditor.locator("tr[data-item=T05] textarea").fill("服务电话午间无人接听（两次拨打）")
    auditor.set_input_files("#photos_T07", files=[{"name": "公示栏.png", "mimeType": "image/png",
                                                   "buffer": png()}])
    assert fits(auditor, 1366)
    live.shot(auditor, "town-check-1366")
    with auditor.expect_navigation():
        auditor.get_by_role("button", name="记录本次检查").click()
    assert re.search(r"/town_inspections/show/\d+$", auditor.url)
    assert "华阳街道便民服务中心检查已记录：有 8/10" in auditor.inner_text("body")
    checklist = auditor.locator("[data-testid=checklist]")
    assert checklist.locator("tr.danger").count() == 2
    assert "服务电话午间无人接听" in checklist.locator("tr[data-item=T05]").inner_text()
    photo = checklist.locator("tr[data-item=T07] img")
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 1  # the photo, loaded
    shown_at = auditor.url.removeprefix(live.url)
    live.shot(auditor, "town-inspection-1366")

    manager = live.page_as("huayang-manager")
    manager.set_viewport_size(DESK)
    town = manager.locator("[data-testid=home-town][data-town=huayang]")
    assert town.locator("[data-testid=home-town-result]").inner_text() == "8/10"
    findings = town.locator("[data-testid=home-town-findings] tbody tr").all_inner_texts()
    assert [f.split("\t")[0] for f in findings] == ["有公开服务电话", "有公示栏"]
    assert "服务电话午间无人接听（两次拨打）" in findings[0] and findings[1].endswith("1")
    assert fits(manager, 1366)
    town.scroll_into_view_if_needed()
    live.shot(manager, "town-manager-home-1366")

    assert _axe_as(live, "center-auditor", "/town-standard/", ".portal-town-standard") == []
    assert _axe_as(live, "center-auditor", "/town-standard/huayang/new", ".portal-town-check") == []
    assert _axe_as(live, "center-auditor", shown_at, "[data-testid=checklist]") == []
    assert _axe_as(live, "huayang-manager", "/", "[data-testid=home-town]") == []
