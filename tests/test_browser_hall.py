"""The public hall in Debian's Chromium, as an applicant on a phone and at a desk: the front
door, an item found and read, the progress of their case, the large-text mode kept from page to
page — and axe-core (run in the page) finding no serious or critical accessibility problem."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.browser import axe_problems
from tests.test_browser_day import fits

pytestmark = pytest.mark.browser

PUBLIC = ("/", "/hall/items?q=证", "/hall/mz/mz-dibao", "/hall/mz/mz-dibao/apply", "/hall/progress",
          "/hall/town/huayang")


def _a_case(live) -> tuple[str, str]:
    """An accepted demo case: its number and the last six of its applicant's ID number."""
    engine = sa.create_engine(live.server.database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            number, id_number = conn.execute(sa.text(
                "SELECT number, applicant_id_number FROM cases WHERE state = 'accepted' "
                "AND applicant_id_number <> '' ORDER BY id LIMIT 1")).one()
    finally:
        engine.dispose()
    return number, id_number[-6:]


@pytest.mark.parametrize("width", [390, 1366])
def test_an_applicant_finds_an_item_and_follows_their_case(live, width: int) -> None:
    url = live.url
    page = live.page()
    page.set_viewport_size({"width": width, "height": 860})
    page.goto(url + "/")
    assert page.locator("[data-testid=places] li").count() >= 5 and fits(page, width)
    live.shot(page, f"hall-landing-{width}")
    page.fill("#q", "低保")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("link", name="城乡最低生活保障对象认定").first.click()
    assert "承诺办结时限 15 个工作日" in page.inner_text("main") and fits(page, width)
    live.shot(page, f"hall-item-{width}")

    number, secret = _a_case(live)
    page.get_by_role("link", name="办件查询").click()
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill(secret)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    answer = page.locator("[data-testid=answer]")
    assert number in answer.inner_text() and "已受理" in answer.inner_text() and fits(page, width)
    live.shot(page, f"hall-progress-{width}")

    page.get_by_role("button", name="大字模式").click()  # 适老化: kept from page to page
    with page.expect_navigation():
        page.get_by_role("link", name="事项", exact=True).click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.classList.contains('large')")
    assert page.get_by_role("button", name="大字模式").get_attribute("aria-pressed") == "true"
    assert fits(page, width)
    live.shot(page, f"hall-large-{width}")


def test_axe_finds_no_serious_problem_on_the_public_pages(live, browser) -> None:
    # axe is put into the page as a script of its own: this context lets the page's CSP pass it
    context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport={"width": 390, "height": 860})
    live.contexts.append(context)
    page = context.new_page()
    found = {}
    for path in PUBLIC:
        page.goto(live.url + path)
        found[path] = axe_problems(page)
    assert found == {path: [] for path in PUBLIC}



def test_apply_online_then_accepted_completed_and_rated_badly_opens_the_managers_follow_up(
        live, browser) -> None:
    """网上申报 on a phone → the 民政 window accepts it → the applicant follows it → the case is
    completed → the applicant rates it 非常不满意 → the manager finds the 回访整改 task and
    records the call-back."""
    from tests.test_browser_casework import fill_dibao

    url = live.url
    # the applicant, on a phone; axe runs in the page, so this context lets its script in
    phone = browser.new_context(locale="zh-CN", bypass_csp=True, viewport={"width": 390, "height": 860})
    live.contexts.append(phone)
    applicant = phone.new_page()
    applicant.goto(url + "/hall/mz/mz-dibao")
    with applicant.expect_navigation():
        applicant.get_by_role("link", name="网上申报").click()
    assert fits(applicant, 390) and applicant.locator("[name=originals_checked]").count() == 0
    assert axe_problems(applicant) == []
    fill_dibao(applicant)
    applicant.fill("[name=mobile]", "1391234567")  # one digit short: refused, the rest kept
    with applicant.expect_navigation():
        applicant.click("#portal-submit")
    assert "申请未提交" in applicant.inner_text("main")
    assert applicant.input_value("[name=applicant_name]") == "王秀英"
    live.shot(applicant, "hall-apply-refused-390")
    applicant.fill("[name=mobile]", "13912345678")
    with applicant.expect_navigation():
        applicant.click("#portal-submit")
    number = applicant.locator("[data-testid=case-number]").inner_text().strip()
    assert number.startswith("MZ") and fits(applicant, 390) and axe_problems(applicant) == []
    live.shot(applicant, "hall-applied-390")

    # the window's clerk, at a desk: the application waits on the start page, marked 网上
    clerk = live.page_as("mz-clerk")
    clerk.goto(url + "/")
    row = clerk.locator("[data-testid=home-waiting] tr").filter(has_text=number)
    assert "网上" in row.inner_text()
    live.shot(clerk, "hall-online-case-waiting-1366")
    with clerk.expect_navigation():
        row.get_by_role("link", name=number).click()
    case_url = clerk.url
    with clerk.expect_navigation():
        clerk.click("[data-testid=decide] button:has-text('受理')")
    assert "已受理" in clerk.content()

    # the applicant follows it
    applicant.goto(url + "/hall/progress")
    applicant.get_by_label("办件编号").fill(number)
    applicant.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill("13912345678")
    with applicant.expect_navigation():
        applicant.get_by_role("button", name="查询").click()
    assert "已受理" in applicant.locator("[data-testid=answer]").inner_text()

    # 审核 and 决定 by the manager, 办结 by the clerk
    boss = live.page_as("mz-manager")
    boss.goto(case_url)
    for opinion in ("家庭收入核实无误", "同意纳入低保"):
        boss.fill("[name=opinion]", opinion)
        with boss.expect_navigation():
            boss.click("button:has-text('完成本环节')")
    clerk.goto(case_url)
    clerk.check("[name=outcome][value=approved]")
    clerk.fill("[name=result]", "最低生活保障金领取证")
    with clerk.expect_navigation():
        clerk.click("button:has-text('办结')")

    # the applicant sees it completed and rates it from the answer (the secret is typed again:
    # the page never sends it back)
    applicant.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill("13912345678")
    with applicant.expect_navigation():
        applicant.get_by_role("button", name="查询").click()
    assert "已办结" in applicant.locator("[data-testid=answer]").inner_text()
    with applicant.expect_navigation():
        applicant.get_by_role("link", name="评价本次服务（好差评）").click()
    assert fits(applicant, 390) and axe_problems(applicant) == []
    live.shot(applicant, "hall-rate-390")
    applicant.get_by_label("非常不满意").check()
    applicant.get_by_label("意见和建议（选填）").fill("排队两个小时，窗口只开了一个")
    with applicant.expect_navigation():
        applicant.get_by_role("button", name="提交评价").click()
    assert "分中心将就此回访您" in applicant.inner_text("main")
    live.shot(applicant, "hall-rated-390")

    # the manager's start page has the task; the call-back is recorded on its screen
    boss.goto(url + "/")
    task = boss.locator(f"[data-testid=home-follow-ups] tr[data-follow-up='{number}']")
    assert "非常不满意" in task.inner_text() and "待回访" in task.inner_text()
    live.shot(boss, "hall-follow-up-home-1366")
    with boss.expect_navigation():
        task.get_by_role("link", name="登记").click()
    boss.fill("[name=callback]", "已电话回访，申请人反映高峰期排队时间长")
    with boss.expect_navigation():
        boss.locator("form:not(.portal-logout) [type=submit]").first.click()
    boss.goto(url + "/")
    task = boss.locator(f"[data-testid=home-follow-ups] tr[data-follow-up='{number}']")
    assert "已回访，待登记整改" in task.inner_text()


def test_an_id_number_typed_full_width_works_out_the_same_age_as_typed_plainly(live) -> None:
    """An input method gives full-width digits (６５０…) and spaces; the server normalises the
    number before it works out the age from it, and so must the browser, or the form shows no
    age where the server stores one. A 乌鲁木齐 resident born 1949."""
    page = live.page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live.url + "/hall/mz/mz-lnyd/apply")
    ages = []
    for typed in ("650102194901010028", "６５０１０２１９４９０１０１００２８", "65 0102 1949 0101 002８"):
        page.fill("[name=id_number]", typed)
        page.press("[name=id_number]", "Tab")
        ages.append(page.input_value("[name=age]"))
    assert ages[0].isdigit() and int(ages[0]) >= 76 and ages == [ages[0]] * 3
