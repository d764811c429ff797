"""版本记录 in the browser: the versions with who, when and from where; the difference between
two by declaration and key, a manager's limited to their own sub-centers; 恢复此版本 publishes
an old version's declarations again (checked; the same content is the same version)."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import SiteVersion, SubCenter, db
from portal.site.edits import publish_change, set_subcenter
from portal.site.publish import current_version
from tests.support.world import csrf_token, signed_in


def _browser_phone(app, phone: str) -> None:
    with app.app_context():
        mz = db.session.scalars(select(SubCenter).where(SubCenter.code == "mz")).one()
        change = set_subcenter("mz", {"address": mz.address, "hours": mz.hours, "phone": phone})
        assert publish_change(db.session, change, by="mz-manager")[0] is not None


def test_the_center_admin_reads_the_history_compares_and_restores(staffed) -> None:
    app = staffed
    with app.app_context():
        old_phone = db.session.scalars(select(SubCenter.phone).where(SubCenter.code == "mz")).one()
    _browser_phone(app, "0511-87280999")
    admin = signed_in(app, "admin")
    page = admin.get("/site-versions/").get_data(as_text=True)
    assert "版本记录" in page and 'data-version="2"' in page and 'data-version="1"' in page
    assert "浏览器" in page and "mz-manager" in page and "当前" in page
    diff = admin.get("/site-versions/diff?from=1&to=2").get_data(as_text=True)
    assert "分中心 mz" in diff and "电话（phone）" in diff  # the key by its label
    assert old_phone in diff and "0511-87280999" in diff
    token = csrf_token(page)
    restored = admin.post("/site-versions/1/restore", data={"csrf_token": token})
    assert restored.status_code == 302
    with app.app_context():
        assert current_version(db.session).number == 1  # the same content: the same version
        assert db.session.scalars(select(SubCenter.phone).where(SubCenter.code == "mz")).one() == old_phone
    assert "第1版已重新成为当前版本" in admin.get("/site-versions/").get_data(as_text=True)


def test_a_manager_sees_the_changes_of_their_own_sub_center_only(staffed) -> None:
    _browser_phone(staffed, "0511-87280998")
    own = signed_in(staffed, "mz-manager").get("/site-versions/diff?from=1&to=2").get_data(as_text=True)
    assert "0511-87280998" in own and "只显示您所在分中心的声明" in own
    other = signed_in(staffed, "ws-manager").get("/site-versions/diff?from=1&to=2").get_data(as_text=True)
    assert "0511-87280998" not in other and "在您可查看的范围内没有差别" in other
    manager = signed_in(staffed, "ws-manager")
    assert manager.post("/site-versions/1/restore",
                        data={"csrf_token": manager.token}).status_code == 403  # the admin restores
    assert signed_in(staffed, "ws-clerk").get("/site-versions/").status_code == 403
    with staffed.app_context():
        assert db.session.scalar(select(SiteVersion.number).order_by(SiteVersion.number.desc())) == 2
