"""From the counter to completion, in Debian's Chromium: a clerk takes a 低保 application and
accepts it; the clock stops for 补正 and runs again; the 民政 manager finds the case on the
worklist and passes 审核 and 决定; the clerk completes it. Each step is on the record, and the
case leaves the worklist."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def fill_dibao(page) -> None:
    for name, value in (("applicant_name", "王秀英"), ("id_number", "11010519491231002X"),
                        ("mobile", "13912345678"), ("address", "句容市华阳镇人民路1号"),
                        ("members-0-name", "王秀英"), ("members-0-id_number", "11010519491231002X"),
                        ("members-0-income", "650"), ("savings", "3000"),
                        ("reason", "年老体弱，无固定收入")):
        page.fill(f"[name='{name}']", value)
    page.check("[name=hukou][value=城镇]")
    page.select_option("[name=marital]", "丧偶")
    page.check("[name=by_agent][value=no]")
    page.select_option("[name='members-0-relation']", "本人")
    page.check("[name=has_property][value=no]")
    page.check("[name=large_spending][value=no]")


def test_intake_to_completion(live) -> None:
    url = live.url
    clerk, boss = live.page_as("mz-clerk"), live.page_as("mz-manager")

    clerk.goto(url + "/intake/")
    clerk.fill("#portal-filter", "最低生活")
    with clerk.expect_navigation():
        clerk.keyboard.press("Enter")
    fill_dibao(clerk)
    with clerk.expect_navigation():
        clerk.click("#portal-submit")
    assert "已提交" in clerk.content()
    case_url = clerk.url
    with clerk.expect_navigation():
        clerk.click("[data-testid=decide] button:has-text('受理')")
    process = clerk.locator("[data-testid=process]")
    assert "已受理" in clerk.content() and process.is_visible()
    assert process.locator("tr.info").inner_text().startswith("审核")  # 受理 done, 审核 open
    due = clerk.locator("[data-testid=process] .panel-heading").inner_text()
    assert "办结期限" in due and "完成本环节" not in process.inner_text()  # 审核 is the manager's

    clerk.select_option("[name=kind]", "补正")
    clerk.fill("[name=reason]", "收入证明缺少单位盖章")
    with clerk.expect_navigation():
        clerk.click("button:has-text('暂停计时')")
    assert clerk.locator("[data-light=paused]").count() == 1
    with clerk.expect_navigation():
        clerk.click("button:has-text('恢复计时')")
    assert "已恢复计时" in clerk.content()
    live.shot(clerk, "casework-accepted")

    boss.goto(url + "/worklist/")
    number = clerk.locator("td").filter(has_text="MZ").first.inner_text().strip()
    row = boss.locator(f"[data-testid=worklist] tr[data-number='{number}']")
    assert row.count() == 1 and row.get_attribute("data-light") in ("green", "yellow")
    live.shot(boss, "casework-worklist")
    with boss.expect_navigation():
        row.locator("a").click()
    for opinion in ("家庭收入核实无误", "同意纳入低保"):  # 审核, then 决定
        boss.fill("[name=opinion]", opinion)
        with boss.expect_navigation():
            boss.click("button:has-text('完成本环节')")
        assert "已进入下一环节" in boss.content()

    clerk.goto(case_url)
    clerk.check("[name=outcome][value=approved]")
    clerk.fill("[name=result]", "最低生活保障金领取证 MZ-2026-0001")
    with clerk.expect_navigation():
        clerk.click("button:has-text('办结')")
    outcome = clerk.locator("[data-testid=outcome]").inner_text()
    assert "准予" in outcome and "按时办结" in outcome
    record = clerk.locator("[data-testid=events]").inner_text()
    for kind in ("提交", "受理", "暂停计时", "恢复计时", "环节办结", "办结"):
        assert kind in record, kind
    live.shot(clerk, "casework-completed")

    boss.goto(url + "/worklist/")
    assert boss.locator(f"tr[data-number='{number}']").count() == 0  # done: off the worklist
