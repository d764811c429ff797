"""What a user may do with a case now: one decision, asked by the case page and the lifecycle.

Each action has one guard: it raises a :class:`PortalError` saying why not, or returns. The
lifecycle (portal/cases/lifecycle.py) runs an action's guard before acting, and the case page
offers exactly the actions :func:`allowed_actions` lists — so a button is never shown for a
step the lifecycle would refuse, nor hidden for one it would take. Whether the user may work
on cases at all (the role's permission) is the web layer's; the guards judge the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.access.roles import ADMIN, CLERK, MANAGER, ROLE_NAMES
from portal.cases.places import branch_place, home_of
from portal.core.errors import N_, PortalError
from portal.models import STATE_NAMES, Case, CaseState

APPROVED, DENIED = "approved", "denied"  # the outcomes of a case and of a branch


@dataclass(frozen=True)
class Actor:
    """Who acts: the user name recorded on the event, and their role keys (portal/access/roles.py)."""

    name: str
    roles: frozenset[str]
    sub_centers: frozenset[int] | None = None  # where they work; None: everywhere (center-wide)

    def works_at(self, sub_center_id: int) -> bool:
        return self.sub_centers is None or sub_center_id in self.sub_centers

    def may_act_as(self, role: str) -> bool:
        """A step's role: the center admin acts anywhere, a manager also at a clerk's step."""
        if ADMIN in self.roles:
            return True
        return bool({CLERK, MANAGER} & self.roles) if role == CLERK else role in self.roles


def steps_of(case: Case) -> list[dict[str, Any]]:
    return list((case.plan or {}).get("steps") or ())


def _must_be(case: Case, *states: str) -> None:
    if case.state not in states:
        raise PortalError(N_("case %(number)s is %(state)s now"),
                          hint=N_("reload the case: someone may have acted on it"),
                          number=case.number, state=STATE_NAMES.get(case.state, case.state))


def _at_home(case: Case, actor: Actor) -> None:
    """The case itself is worked on where it was taken; other departments decide branches."""
    if not actor.works_at(case.sub_center_id):
        raise PortalError(N_("case %(number)s is handled by %(place)s"),
                          hint=N_("your department decides its own branch only"),
                          number=case.number, place=home_of(case))


def _check_role(case: Case, actor: Actor, role: str, what: str) -> None:
    if not actor.may_act_as(role):
        raise PortalError(N_("%(what)s of case %(number)s is for the %(role)s to do"),
                          hint=N_("it stays open on their worklist"),
                          what=what, number=case.number, role=ROLE_NAMES[role])


def _open(case: Case, actor: Actor) -> None:
    """An accepted case, at its own department."""
    _must_be(case, CaseState.ACCEPTED)
    _at_home(case, actor)


def _advance(case: Case, actor: Actor) -> None:
    _open(case, actor)
    steps = steps_of(case)
    if case.step is None or case.step >= len(steps) - 1:
        raise PortalError(N_("case %(number)s has no step left before completion"),
                          hint=N_("complete the case"), number=case.number)
    step = steps[case.step]
    _check_role(case, actor, step["role"], step["name"])


def _extend(case: Case, actor: Actor) -> None:
    _open(case, actor)
    allowance = (case.plan or {}).get("extension")
    if not allowance:
        raise PortalError(N_("%(item)s declares no extension"),
                          hint=N_("the limit stands; a special procedure may stop the clock instead"),
                          item=case.item.name)
    if case.extension_asked:
        raise PortalError(N_("an extension is already waiting for approval"), hint=N_("ask the approver"))
    if allowance["days"] - case.extended_days < 1:
        raise PortalError(N_("the extension is used up: 0 of %(days)s are left"),
                          hint=N_("a special procedure may stop the clock instead"),
                          days=allowance["days"])


def _decide_extension(case: Case, actor: Actor) -> None:
    _open(case, actor)
    if not case.extension_asked:
        raise PortalError(N_("no extension is waiting for approval"), hint=N_("reload the case"))
    _check_role(case, actor, approver_of(case), N_("approving the extension"))


def approver_of(case: Case) -> str:
    """The role that approves an extension of ``case`` (the item's, a manager by default)."""
    return ((case.plan or {}).get("extension") or {}).get("approver", MANAGER)


def _complete(case: Case, actor: Actor) -> None:
    _open(case, actor)
    steps = steps_of(case)
    if steps and case.step is not None and case.step < len(steps) - 1:
        raise PortalError(N_("case %(number)s is at %(step)s, not the last step"),
                          hint=N_("finish the open steps first"), number=case.number,
                          step=steps[case.step]["name"])
    if steps:
        _check_role(case, actor, steps[-1]["role"], steps[-1]["name"])
    waiting = [b.item.name for b in case.branches if b.state == "open"]
    if waiting:
        raise PortalError(N_("the parallel approval still waits for %(places)s"),
                          hint=N_("the case is completed once every branch is decided"),
                          places="、".join(waiting))


# action -> its guard. The names are those of the case page's forms (/casework/<id>/<action>).
GUARDS: dict[str, Callable[[Case, Actor], None]] = {
    # the intake decisions are the department's that the case is submitted to (a town center
    # sees the agency cases it delivered there, and decides none of them)
    "accept": lambda case, actor: (_must_be(case, CaseState.SUBMITTED), _at_home(case, actor)),
    "reject": lambda case, actor: (_must_be(case, CaseState.SUBMITTED, CaseState.NOTICE_MISSING),
                                   _at_home(case, actor)),
    "notice": lambda case, actor: (_must_be(case, CaseState.SUBMITTED), _at_home(case, actor)),
    "resubmit": lambda case, actor: (_must_be(case, CaseState.NOTICE_MISSING), _at_home(case, actor)),
    "advance": _advance,
    "pause": _open,
    "restart": lambda case, actor: (_must_be(case, CaseState.PAUSED), _at_home(case, actor)),
    "extend": _extend,
    "approve_extension": _decide_extension,
    "refuse_extension": _decide_extension,
    "complete": _complete,
}


def require(action: str, case: Case, actor: Actor) -> None:
    """Raise, saying why, unless ``actor`` may do ``action`` with ``case`` now."""
    GUARDS[action](case, actor)


def require_branch(case: Case, actor: Actor, branch: Any) -> None:
    """Raise unless ``actor`` may decide ``branch`` of a 并联审批 case now."""
    _must_be(case, CaseState.ACCEPTED)
    if branch is None or branch.state != "open":
        raise PortalError(N_("this branch is not open for a decision"), hint=N_("reload the case"))
    if not actor.works_at(branch.sub_center_id):
        raise PortalError(N_("%(item)s is decided by %(place)s"),
                          hint=N_("each department decides its own branch"),
                          item=branch.item.name, place=branch_place(branch))
    declared = case.plan["parallel"][branch.position]
    _check_role(case, actor, declared["role"], declared["name"])


def allowed_actions(case: Case, actor: Actor) -> frozenset[str]:
    """Every action ``actor`` may take with ``case`` now; a branch they may decide is
    ``branch:<id>``."""
    allowed = set()
    for action, guard in GUARDS.items():
        try:
            guard(case, actor)
        except PortalError:
            continue
        allowed.add(action)
    for branch in case.branches:
        try:
            require_branch(case, actor, branch)
        except PortalError:
            continue
        allowed.add(f"branch:{branch.id}")
    return frozenset(allowed)
