"""The public hall in Debian's Chromium, as an applicant on a phone and at a desk: the front
door, an item found and read, the progress of their case, the large-text mode kept from page to
page — and axe-core (run in the page) finding no serious or critical accessibility problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_browser_day import fits

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PUBLIC = ("/", "/hall/items?q=证", "/hall/mz/mz-dibao", "/hall/progress")


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
    if not AXE.is_file():
        pytest.fail("axe-core is missing: `make test` installs it (tests/a11y)", pytrace=False)
    # axe is put into the page as a script of its own: this context lets the page's CSP pass it
    context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport={"width": 390, "height": 860})
    live.contexts.append(context)
    page = context.new_page()
    found = {}
    for path in PUBLIC:
        page.goto(live.url + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        found[path] = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
                       if v["impact"] in ("serious", "critical")]
    assert found == {path: [] for path in PUBLIC}
