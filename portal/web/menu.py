"""The navigation menu, rendered once per set of permissions and language.

FAB renders its menu on every page, asking for each of some forty entries whether the user may
see it; for a clerk that was a sixth of a list page. The menu depends only on the menu
declaration (fixed at start), the user's permissions, the language and where the portal is
mounted, so its HTML is kept under exactly those and reused — a visitor's under the public
role's permissions.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from portal.core.recent import Recent

TEMPLATE = "portal/menu.html"


def menu() -> Markup:
    sm = current_app.appbuilder.sm
    permissions = (sm.permission_set(g.user) if current_user.is_authenticated
                   else sm.public_permission_set())
    key = (permissions, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault("portal_menus", Recent(keep=64))
    return cache.get(key) or cache.put(key, _rendered())


def _rendered() -> Markup:
    return Markup(render_template(TEMPLATE, appbuilder=current_app.appbuilder))


def init_app(app: Flask) -> None:
    @app.context_processor
    def _menu() -> dict[str, Any]:
        return {"portal_menu": menu}
