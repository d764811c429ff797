"""A working day in Debian's Chromium: the clerk's start page, a draft kept without a case number
and submitted with one, the scans opened in the case page's viewer, the search box; the
manager's and the auditor's start pages; each at a desk and at phone width."""

from __future__ import annotations

import io
import re

import pytest

from tests.test_browser_casework import fill_dibao

pytestmark = pytest.mark.browser

APPLICANT = "欧阳秀英"
ID_NUMBER = "44030520000101118X"  # Shenzhen, born 2000, check digit X


def _scan() -> bytes:
    """A real PNG, like a phone's photo of a 户口簿 page (smaller)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (900, 620), "#f3efe2")
    draw = ImageDraw.Draw(picture)
    draw.rectangle([20, 20, 880, 600], outline="#8a1c1c", width=8)
    for row in range(9):
        draw.line([60, 110 + row * 52, 840, 110 + row * 52], fill="#999", width=2)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>户口簿 第2页</h1><p>户主：欧阳秀英</p>").write_pdf()


def fits(page, width: int = 390) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_a_clerks_day_from_the_start_page_to_the_scans_of_a_submitted_case(live) -> None:
    url = live.url
    clerk = live.page_as("mz-clerk")
    assert clerk.url.rstrip("/") == url  # signing in lands on the start page
    day = clerk.locator("[data-testid=home-clerk]")
    assert day.is_visible()
    lights = day.locator("[data-testid=lights] a")
    assert lights.count() == 4 and all(re.search(r"\d", t) for t in lights.all_inner_texts())
    live.shot(clerk, "home-clerk")

    # a draft takes no case number
    clerk.goto(url + "/intake/")
    clerk.fill("#portal-filter", "最低生活")
    with clerk.expect_navigation():
        clerk.keyboard.press("Enter")
    clerk.fill("[name=applicant_name]", APPLICANT)
    with clerk.expect_navigation():
        clerk.click("#portal-draft")
    assert "提交时给出办件编号" in clerk.content()
    clerk.goto(url + "/")
    draft = clerk.locator("[data-testid=home-drafts] tr", has_text=APPLICANT)
    assert draft.count() == 1
    with clerk.expect_navigation():
        draft.locator("a").click()

    # submitted with the scans: numbered then, by the center's pattern
    fill_dibao(clerk)
    clerk.fill("[name=applicant_name]", APPLICANT)
    clerk.fill("[name=id_number]", ID_NUMBER)
    clerk.set_input_files("[name=scan_hukou]", files=[
        {"name": "户口簿 第1页.png", "mimeType": "image/png", "buffer": _scan()},
        {"name": "户口簿 第2页.pdf", "mimeType": "application/pdf", "buffer": _pdf()}])
    with clerk.expect_navigation():
        clerk.click("#portal-submit")
    errors = clerk.locator(".help-block, .alert-danger").all_inner_texts()
    assert "已提交" in clerk.content(), errors
    number = re.search(r"MZ\d{12}", clerk.content()).group(0)
    case_url = clerk.url

    # the scans open beside the application
    viewer = clerk.locator("[data-testid=viewer]")
    assert viewer.is_visible() and "点击材料名称" in clerk.frame_locator("[name=portal-viewer]").locator(
        "body").inner_text()
    clerk.click("a[target=portal-viewer]:has-text('户口簿 第1页.png')")
    frame = clerk.frame(name="portal-viewer")
    frame.wait_for_load_state()
    picture = frame.locator("img")
    picture.wait_for()
    # decoded, not only in the page: on a loaded machine the element comes before its pixels
    frame.wait_for_function("() => document.querySelector('img').complete")
    assert picture.evaluate("(img) => img.complete && img.naturalWidth") == 900
    frame_width = clerk.locator("[name=portal-viewer]").evaluate("(f) => f.clientWidth")
    assert picture.evaluate("(img) => img.getBoundingClientRect().width") <= frame_width  # fitted
    viewer.scroll_into_view_if_needed()
    live.shot(clerk, "case-viewer-picture", full_page=False)
    clerk.click("a[target=portal-viewer]:has-text('户口簿 第2页.pdf')")
    clerk.wait_for_function("() => document.querySelector('[name=portal-viewer]').contentWindow"
                            ".location.href.endsWith('/view')")
    clerk.wait_for_timeout(1500)  # Chromium's PDF viewer draws the page
    live.shot(clerk, "case-viewer-pdf", full_page=False)

    # the search box: a whole number opens the case; a name typed in part lists the matches;
    # an identity number with a lowercase x finds its applicant
    clerk.fill("[data-testid=find-box]", number)
    with clerk.expect_navigation():
        clerk.press("[data-testid=find-box]", "Enter")
    assert clerk.url == case_url
    for text in ("欧阳秀", ID_NUMBER.lower()):
        clerk.fill("[data-testid=find-box]", text)
        with clerk.expect_navigation():
            clerk.press("[data-testid=find-box]", "Enter")
        rows = clerk.locator("[data-testid=found] tbody tr")
        assert rows.count() >= 1 and rows.filter(has_text=number).count() == 1, text
        assert "440305********118X" in rows.filter(has_text=number).inner_text()
    live.shot(clerk, "find")

    clerk.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", case_url.replace(url, ""), "/find/?q=欧阳秀"):
        clerk.goto(url + path)
        assert fits(clerk), path
    clerk.goto(url + "/")
    live.shot(clerk, "home-clerk-390")

    # the session ends while the case page is open: the sign-in page takes the window, not the pane
    clerk.set_viewport_size({"width": 1280, "height": 900})
    clerk.goto(case_url)
    clerk.context.clear_cookies()
    with clerk.expect_navigation(url=re.compile(r"/login/")):
        clerk.click("a[target=portal-viewer]:has-text('户口簿 第1页.png')")
    assert clerk.locator("#username").is_visible()


def test_the_managers_and_the_auditors_start_pages(live) -> None:
    boss = live.page_as("mz-manager")
    part = boss.locator("[data-testid=home-manager]")
    assert part.is_visible() and boss.locator("[data-testid=home-clerk]").count() == 0
    figures = part.locator("[data-testid=home-figures]").inner_text()
    assert "办件量" in figures and "按时办结率" in figures
    for table in ("home-extensions", "home-branches"):
        assert part.locator(f"[data-testid={table}]").is_visible()
    live.shot(boss, "home-manager")
    with boss.expect_navigation():
        part.locator("[data-testid=lights] a[data-light=red]").click()
    assert "/worklist/" in boss.url and "light=red" in boss.url

    auditor = live.page_as("center-auditor")
    part = auditor.locator("[data-testid=home-auditor]")
    assert part.is_visible()
    ranking = part.locator("[data-testid=home-ranking] tbody tr")
    assert ranking.count() >= 2 and ranking.first.locator("td").first.inner_text() == "1"
    overdue = part.locator("[data-testid=home-overdue] tbody tr")
    assert overdue.count() >= 1
    live.shot(auditor, "home-auditor")
    auditor.set_viewport_size({"width": 390, "height": 844})
    auditor.reload()
    assert fits(auditor)
    live.shot(auditor, "home-auditor-390")


def test_the_public_pages_fit_a_phone(live) -> None:
    visitor = live.page()
    visitor.set_viewport_size({"width": 390, "height": 844})
    for path in ("/login/", "/verify/not-a-real-token", "/"):
        visitor.goto(live.url + path)
        assert fits(visitor), path
    visitor.goto(live.url + "/login/")
    live.shot(visitor, "login-390")
