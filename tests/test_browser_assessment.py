"""An auditor in Debian's Chromium ranks the clerks of the month, asks for the workbook, watches
its progress and downloads it; the workbook holds the ranking the page showed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_the_auditor_exports_the_clerks_ranking_and_watches_it_being_made(live, tmp_path) -> None:
    from openpyxl import load_workbook

    page = live.page_as("center-auditor")
    page.goto(live.url + "/assessment/")
    with page.expect_navigation():
        page.get_by_role("link", name="按工作人员").click()
    shown = [(name, score) for name, score in re.findall(
        r'<tr data-window="([\w-]+)">.*?<strong>([\d.]+)</strong>', page.content(), re.S)]
    assert "mz-clerk" in dict(shown) and all(not name.endswith("auditor") for name, _ in shown)
    with page.expect_navigation():
        page.get_by_role("button", name="下载 XLSX").click()
    assert "/assessment/export/" in page.url and "考核导出" in page.content()
    page.locator("#job-file").wait_for(state="visible", timeout=30_000)
    bar = page.locator("#job-bar")
    assert bar.get_attribute("aria-valuenow") == bar.get_attribute("aria-valuemax")
    assert int(bar.get_attribute("aria-valuemax")) > len(shown)  # the evidence queries, then each clerk
    assert "已完成" in page.locator("#job-state").inner_text()
    live.shot(page, "assessment-export", full_page=False)
    with page.expect_download() as got:
        page.locator("#job-file").click()
    path = tmp_path / got.value.suggested_filename
    got.value.save_as(path)
    assert path.name.endswith("-clerk.xlsx")
    ranking = load_workbook(path)["排名"]
    header = [c.value for c in ranking[2]]
    assert header[1] == "工作人员"
    total = header.index("得分")
    assert [(r[1].value, f"{r[total].value:.2f}") for r in ranking.iter_rows(min_row=3)] == shown
