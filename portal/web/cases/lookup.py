"""查找办件: the one search box of the navigation bar (办件编号 / 申请人 / 身份证号), for
whoever may read cases, within what they see (portal/cases/lookup.py). A whole case number
opens its case at once; anything else lists the matches."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext

from portal.access.roles import READ, permission
from portal.cases.lookup import NAME_PREFIX, NUMBER_PREFIX, find
from portal.models import Case, db

LIMIT = 50


def masked(id_number: str) -> str:
    """An identity number as a list shows it: the region and the last four, not the birth date."""
    if len(id_number) < 10:
        return id_number
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


class FindView(BaseView):
    route_base = "/find"
    default_view = "index"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"index": READ}
    base_permissions = [permission(READ)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        text = request.args.get("q", "")
        found = find(db.session, text, LIMIT)
        whole = [c for c in found.cases if c.number and c.number == found.text.upper()]
        if len(found.cases) == 1 and whole:  # a number typed or scanned whole: its case
            return redirect(url_for("CaseScreen.show", pk=whole[0].id))
        return self.render_template("portal/find.html", title=gettext("Find a case"), found=found,
                                    asked=text, limit=LIMIT, masked=masked,
                                    number_prefix=NUMBER_PREFIX, name_prefix=NAME_PREFIX)
