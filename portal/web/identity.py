"""统一名称标识: the identity strip every page carries, the same layout for every sub-center.

A user assigned to sub-centers sees the unified name, code and supervising department of each;
a center-wide user sees the center's. The sub-centers are those the one scope rule shows the user
(``Scope.visible_sub_centers``, the rule of the sub-center table), taken from the user's profile
(their sub-centers, their windows' and their villages', kept by the worker between pages): no
statement of its own on every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g
from flask_babel import get_locale
from flask_login import current_user

from portal.access.scope import current_scope
from portal.web.current import current_site
from portal.web.profile import user_profile
from portal.web.site.published import problem_text


@dataclass(frozen=True)
class Identity:
    name: str  # the unified name (统一名称)
    code: str  # region code and sub-center code: the identity printed on every page
    department: str
    address: str
    phone: str


def identities() -> list[Identity]:
    """What the signed-in user works for, from the current published site."""
    if "portal_identities" in g:
        return g.portal_identities
    out: list[Identity] = []
    site = current_site()
    scope = current_scope()
    if site is not None and current_user.is_authenticated and scope is not None:
        region = site.center["region_code"]
        if scope.everything:
            center = site.center
            out.append(Identity(center["name"], region, "",
                                center.get("address", ""), center.get("phone", "")))
        else:
            assigned = user_profile(current_user._get_current_object()).assigned
            codes = sorted({code for code, id_, active in assigned
                            if active and id_ in scope.visible_sub_centers})
            for code in codes:
                sub = site.subcenters.get(code)
                if sub is not None:
                    out.append(Identity(sub.unified_name, f"{region}-{code.upper()}",
                                        sub.department, sub.address, sub.phone))
    g.portal_identities = out
    return out


def html_lang() -> str:
    """The page's language for ``<html lang>`` (BCP 47): zh-CN for Simplified Chinese."""
    locale = get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return locale.language


def init_app(app: Flask) -> None:
    @app.context_processor
    def _identity() -> dict[str, Any]:
        return {"portal_identities": identities, "portal_html_lang": html_lang,
                "portal_problem": problem_text}
