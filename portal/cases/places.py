"""Where a case was taken and where its branches are decided: the other departments' public
names, read though they usually lie outside the viewer's scope (a bundle case, 并联审批)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, object_session

from portal.access.scope import unscoped
from portal.models import Case, SubCenter, Window


def session_of(record: Any) -> Session:
    session = object_session(record)
    assert session is not None
    return session


def branch_place(branch: Any) -> str:
    """The unified name of the sub-center deciding a branch."""
    with unscoped():
        return session_of(branch).get(SubCenter, branch.sub_center_id).unified_name


def home_of(case: Case) -> str:
    """The unified name of the sub-center that took the case."""
    with unscoped():
        return session_of(case).get(SubCenter, case.sub_center_id).unified_name


def case_place(case: Case) -> str:
    """Where a case was taken: the sub-center's unified name and the window."""
    with unscoped():
        session = session_of(case)
        window = session.get(Window, case.window_id)
        return f"{session.get(SubCenter, case.sub_center_id).unified_name} {window.code} {window.name}"
