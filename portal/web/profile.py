"""The signed-in user's profile: what the pages ask of them beyond their own row, kept by the
worker between pages while the stamps say it still holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context

from portal.access.scope import Scope, unscoped
from portal.core.recent import Recent
from portal.web.current import page_stamps


@dataclass(frozen=True)
class Profile:
    """What the pages ask of the signed-in user beyond their own row: their role names, their
    scope and the sub-centers of the identity strip (their assigned ones' codes and ids).
    Worked out from the user's roles and assignments, and kept by the worker while the stamps
    and the publication read at the start of the page stay the same (portal/access/stamps.py:
    a change of the user's roles, groups or assignments raises the security stamp): loading
    the roles, sub-centers, windows and villages with the user cost 0.7 ms of every page."""

    roles: frozenset[str]
    scope: Scope
    assigned: tuple[tuple[str, int, bool], ...]  # (code, id, active) of each assigned sub-center


# profiles by (user id, stamps, publication): a worker's signed-in users
_kept_profiles = Recent(keep=2048)


def user_profile(user: Any) -> Profile:
    """The profile of ``user`` (the signed-in user: kept between pages; anyone else: worked out)."""
    own = has_request_context() and g.get("portal_profile")
    if own and own[0] == user.id:
        return own[1]
    stamps = page_stamps() if has_request_context() else None
    key = None
    if stamps is not None and not g.get("portal_profile_changed"):
        key = (user.id, stamps, g.get("portal_publication"))
    profile = _kept_profiles.get(key) if key is not None else None
    if profile is None:
        with unscoped():
            profile = _profile_of(user, stamps)
        if key is not None:
            _kept_profiles.put(key, profile)
    if has_request_context():
        g.portal_profile = (user.id, profile)
    return profile


def _profile_of(user: Any, stamps: Any) -> Profile:
    assigned = (*user.sub_centers, *(w.sub_center for w in user.windows),
                *(v.sub_center for v in user.villages))
    return Profile(roles=frozenset(role.name for role in user.roles),
                   scope=Scope.of(user) if stamps is None else Scope.of(user, branch_stamp=stamps.branch),
                   assigned=tuple(sorted({(s.code, s.id, s.active) for s in assigned})))
