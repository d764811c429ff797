"""One decision: the case page offers exactly the actions the lifecycle allows the signed-in
user, and every other action posted to the case is refused without changing it."""

from __future__ import annotations

import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from portal.access.scope import unscoped
from portal.cases.actions import GUARDS, allowed_actions
from portal.cli.demo import ensure_demo_users
from portal.models import Case, CaseEvent, PortalUser, db
from portal.web.cases.casework import actor
from tests.support.world import PASSWORD, signed_in
from tests.test_process import submitted_case


def _offered(html: str, case_id: int) -> set[str]:
    return set(re.findall(rf'action="/casework/{case_id}/(\w+)"', html))


def _state(app, case_id: int) -> tuple[str, int | None, int]:
    with app.app_context():
        case = db.session.get(Case, case_id)
        events = db.session.scalar(select(db.func.count()).select_from(CaseEvent)
                                   .where(CaseEvent.case_id == case_id))
        return case.state, case.step, events


@pytest.fixture
def dibao(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        return published, submitted_case("mz-dibao")


# the way a 低保 case goes: (who acts, the action, its form) — 受理 by the clerk, 审核 and 决定
# by the manager, then the clock stops and runs again, and the clerk completes
ROUTE = [("mz-clerk", "notice", {"missing": "户口簿"}), ("mz-clerk", "resubmit", {}),
         ("mz-clerk", "accept", {}), ("mz-manager", "advance", {"opinion": "属实"}),
         ("mz-clerk", "pause", {"kind": "补正", "reason": "缺收入证明"}), ("mz-clerk", "restart", {}),
         ("mz-manager", "advance", {"opinion": "同意"}),
         ("mz-clerk", "complete", {"outcome": "approved", "result": "证"})]


def test_the_page_offers_what_the_lifecycle_allows_and_nothing_else_is_taken(dibao) -> None:
    app, case_id = dibao
    users = {name: signed_in(app, name) for name in ("mz-clerk", "mz-manager", "mz-auditor")}
    for who, action, form in ROUTE:
        for name, client in users.items():
            offered = _offered(client.get(f"/cases/show/{case_id}").get_data(as_text=True), case_id)
            with app.test_request_context():  # the same user's view of the case, by the rule
                with unscoped():
                    login_user(db.session.scalars(select(PortalUser)
                                                  .where(PortalUser.username == name)).one())
                allowed = allowed_actions(db.session.get(Case, case_id), actor())
            writes = name != "mz-auditor"  # an auditor's role may not work on cases at all
            assert offered == (allowed if writes else set()), (who, action, name)
            before = _state(app, case_id)
            for refused in sorted(set(GUARDS) - allowed):
                client.post(f"/casework/{case_id}/{refused}",
                            data={"csrf_token": client.token, **form})
                assert _state(app, case_id) == before, (refused, name, before)
        assert action in _offered(users[who].get(f"/cases/show/{case_id}").get_data(as_text=True),
                                  case_id), (who, action)
        done = users[who].post(f"/casework/{case_id}/{action}",
                               data={"csrf_token": users[who].token, **form})
        assert done.status_code == 302
    assert _state(app, case_id)[0] == "completed"
