"""The center admin edits a print template in the browser: errors name the template and line
and keep the typed text, the sandbox refuses Python internals, a clean save publishes a new
version and the next document uses it. Sub-center managers read and preview; clerks cannot."""

from __future__ import annotations

from portal.cli.demo import ensure_demo_users
from portal.web.security import ensure_center_admin
from tests.support.world import PASSWORD, signed_in
from tests.test_documents import completed_case, pdf_text, print_


def test_a_template_edit_is_checked_in_the_sandbox_and_published(published) -> None:
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        ensure_center_admin("admin", PASSWORD)
    admin, manager, clerk = (signed_in(published, u) for u in ("admin", "mz-manager", "mz-clerk"))
    url = "/print-templates/acceptance-notice.html"
    original = admin.get(url).get_data(as_text=True)
    assert "受理通知书" in original and "检查并发布" in original

    def save(text: str):
        return admin.post(url + "/save", data={"csrf_token": admin.token, "text": text})

    broken = save("<h1>受理通知书</h1>\n<p>{% if case.number %}\n{{ case.number }}</p>")
    page = broken.get_data(as_text=True)
    assert "acceptance-notice.html:3" in page and "{% if case.number %}" in page  # text kept
    evil = save("<h1>受理通知书</h1>\n{{ case.__class__.__mro__[1].__subclasses__() }}")
    assert "acceptance-notice.html:2：模板沙箱拒绝执行" in evil.get_data(as_text=True)  # in Chinese
    new_text = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>受理通知书</title>'
                '<link rel="stylesheet" href="base.css"></head><body><h1>受理通知书（新版式）</h1>'
                '<p>{{ case.applicant_name }}：你的申请已受理，编号{{ case.number }}。</p>'
                '{% include "_verify.html" %}</body></html>')
    done = save(new_text).get_data(as_text=True)
    assert "已发布为第 2 版" in done
    case_id = completed_case(published)
    assert "受理通知书（新版式）" in pdf_text(print_(clerk, case_id, "acceptance").data)

    assert manager.get(url).status_code == 200 and "检查并发布" not in manager.get(url).get_data(as_text=True)
    preview = manager.post(url + "/preview", data={"csrf_token": manager.token, "text": new_text})
    assert preview.mimetype == "application/pdf" and "王秀英" in pdf_text(preview.data)
    refused = manager.post(url + "/save", data={"csrf_token": manager.token, "text": "<p>改</p>"})
    assert refused.status_code in (302, 403)
    assert clerk.get(url).status_code in (302, 403)
