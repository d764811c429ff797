"""代办 pages (portal/cases/agency.py): a 代办员's — made for a phone — and a town center's.

- ``/agency/new/``: the 代办类 items of the user's town center (a 代办员's village's, or the
  town center where they work); ``/agency/new/<offering>`` takes an application for one of
  them with the deciding sub-center's generated form and uploads (its staff-only fields left
  out, as in the public hall) and a checklist of the item's materials: a required material
  neither attached nor ticked as received is a 一次性告知 — every missing material listed at
  once, with what was typed and attached kept.
- ``/agency/<pk>``: one agency case as its carrier follows it — where it is, each hand-over
  with who and when, and the buttons of what they may record now (``/agency/<pk>/<step>``:
  转交镇, 转报分中心, 结果已返回, 回复, 催办). The desk case page offers the same buttons.

A view over the scoped case model: a case the user does not carry (nor see) is not found
(404), and the isolation matrix covers these routes by itself.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import CombinedMultiDict

from portal.access.roles import READ, WRITE, permission
from portal.access.scope import current_scope
from portal.cases import agency
from portal.cases.intake import spec_of
from portal.cases.uploads import KEPT_SUFFIX
from portal.core.errors import N_, PortalError
from portal.forms.build import blank, check_submission
from portal.models import Case, CaseEvent, Offering, SubCenter, Village, db
from portal.web.agent import own_agent
from portal.web.cases.carrying import carrier, case_panel
from portal.web.cases.intake import flat, kept_uploads, row_templates, rules_json, store_uploads, uploads
from portal.web.current import current_site
from portal.web.errors import error_text

PERMISSION = "agency"
RECEIVED = "received"  # the checklist's field: materials taken on paper at the village
STEPS = {
    "to_town": (lambda site, case, who: agency.to_town(db.session, site, case, who),
                N_("Handed over to the town center.")),
    "deliver": (lambda site, case, who: agency.deliver(db.session, site, case, who),
                N_("Delivered: the case waits for the window's decision.")),
    "returned": (lambda site, case, who: agency.result_returned(db.session, site, case, who),
                 N_("Result returned recorded.")),
    "reply": (lambda site, case, who: agency.reply(db.session, site, case, who,
                                                   request.form.get("note", "")),
              N_("Replied to the applicant: the agency has ended.")),
    "remind": (lambda site, case, who: agency.remind(db.session, site, case, who),
               N_("Pressed: the window sees the reminder on its worklist.")),
}
AGENCY_EVENTS = ("submit", "agency_to_town", "agency_deliver", "accept", "reject", "notice_missing",
                 "resubmit", "complete", "agency_returned", "agency_reply", "agency_remind")


def _town_and_village() -> tuple[SubCenter | None, Village | None]:
    """Where the user takes applications: a 代办员's village and its town center; else the one
    town center they work at as staff (``None``: neither)."""
    own = own_agent()
    if own is not None:
        return own.village.sub_center, own.village
    scope = current_scope()
    if scope is None or scope.everything or len(scope.town_centers) != 1:
        return None, None
    return db.session.get(SubCenter, next(iter(scope.town_centers))), None


def offerings_for(town: SubCenter) -> list[tuple[Offering, Offering]]:
    """The town's 代办类 offerings the user sees, each with the deciding sub-center's offering."""
    site = current_site()
    out = []
    for offering in db.session.scalars(select(Offering).where(
            Offering.sub_center_id == town.id, Offering.active)
            .options(joinedload(Offering.item)).order_by(Offering.id)):
        deciding = agency.deciding_offering(db.session, site, town.code, offering.item.code)
        if deciding is not None:
            out.append((offering, deciding))
    return out


def _materials(site: Any, deciding: Offering) -> list[dict[str, Any]]:
    sub = site.subcenters.get(deciding.sub_center.code)
    offered = sub.offerings.get(deciding.item.code) if sub else None
    return [dict(m) for m in offered.item.data.get("materials", ())] if offered else []


def missing_materials(spec: Any, materials: list[dict[str, Any]], data: dict[str, Any],
                      received: list[str]) -> list[str]:
    """一次性告知 at the village: every required material of the item neither attached (in an
    upload field naming it) nor ticked as received on paper."""
    attached = {f.get("material") for f in spec.fields()
                if f.type == "upload" and f.get("material") and data.get(f.name)}
    return [m["name"] for m in materials if m.get("required", True)
            and m["name"] not in attached and m["name"] not in received]


def _local(target: str | None) -> str | None:
    return target if target and target.startswith("/") and not target.startswith("//") else None


class AgencyView(BaseView):
    route_base = "/agency"
    default_view = "choose"
    datamodel = SQLAInterface(Case)  # the isolation matrix finds these routes by their model
    class_permission_name = PERMISSION
    method_permission_name = {"choose": WRITE, "new": WRITE, "show": READ, "record": WRITE}
    base_permissions = [permission(READ), permission(WRITE)]

    def _render(self, template: str, **context: Any) -> Any:
        return self.render_template(template, site=current_site(), **context)

    @expose("/new/")
    @has_access
    def choose(self) -> Any:
        town, village = _town_and_village()
        if town is None:
            abort(404)
        return self._render("portal/agency_choose.html", town=town, village=village,
                            offerings=offerings_for(town), title=gettext("New agency application"))

    @expose("/new/<int:offering>", methods=["GET", "POST"])
    @has_access
    def new(self, offering: int) -> Any:
        town, village = _town_and_village()
        chosen = db.session.scalars(select(Offering).where(
            Offering.id == offering, Offering.active)
            .options(joinedload(Offering.item))).one_or_none()
        if town is None or chosen is None or chosen.sub_center_id != town.id:
            abort(404)
        site = current_site()
        deciding = agency.deciding_offering(db.session, site, town.code, chosen.item.code)
        if deciding is None:
            abort(404)
        spec = spec_of(deciding.form_version)
        materials = _materials(site, deciding)
        if request.method != "POST":
            return self._page(spec, blank(spec, online=True), chosen, deciding, town, village,
                              materials, {}, [])
        kept = kept_uploads(spec, None)
        checked = check_submission(spec, CombinedMultiDict([request.files, request.form]), kept=kept,
                                   online=True)
        store_uploads(spec, checked, kept)
        received = [m for m in request.form.getlist(RECEIVED) if m in {x["name"] for x in materials}]
        if not checked.ok:
            flash(gettext("The application was not taken: see the fields marked in red."), "danger")
            return self._page(spec, checked.form, chosen, deciding, town, village, materials, kept,
                              received, status=422)
        missing = missing_materials(spec, materials, checked.data, received)
        if missing:
            return self._page(spec, checked.form, chosen, deciding, town, village, materials, kept,
                              received, missing=missing, status=422)
        try:
            case = agency.take(db.session, site, deciding, checked, carrier(), town, village,
                               received=received)
        except PortalError as exc:
            db.session.rollback()
            flash(error_text(exc), "danger")
            return self._page(spec, checked.form, chosen, deciding, town, village, materials, kept,
                              received, status=409)
        flash(gettext("Agency application %(number)s taken for %(place)s.", number=case.number,
                      place=deciding.sub_center.unified_name), "success")
        return redirect(url_for("AgencyView.show", pk=case.id))

    def _page(self, spec: Any, form: Any, offering: Offering, deciding: Offering, town: SubCenter,
              village: Village | None, materials: list[dict[str, Any]],
              kept: dict[str, list[dict[str, Any]]], received: list[str],
              missing: list[str] | None = None, status: int = 200) -> Any:
        tokens = {name: [(m, uploads().token(m)) for m in files] for name, files in kept.items()}
        attachable = {f.get("material") for f in spec.fields() if f.type == "upload"}
        body = self._render(
            "portal/agency_new.html", spec=spec, form=form, offering=offering, deciding=deciding,
            town=town, village=village, kept=tokens, rules=rules_json(spec, online=True),
            kept_suffix=KEPT_SUFFIX, row_templates=row_templates(spec, form), flat=flat,
            skip=spec.staff_only, materials=materials, attachable=attachable, received=received,
            received_key=RECEIVED, missing=missing or [], title=spec.title)
        return body, status

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)
                                  .options(joinedload(Case.item), selectinload(Case.agency))).one_or_none()
        if case is None or case.agency is None:
            abort(404)
        events = db.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind.in_(AGENCY_EVENTS)).order_by(CaseEvent.seq)).all()
        return self._render("portal/agency_case.html", case=case, panel=case_panel(case), events=events,
                            names=agency.names(db.session, case),
                            title=gettext("Agency case %(number)s", number=case.number))

    @expose("/<int:pk>/<string:step>", methods=["POST"])
    @has_access
    def record(self, pk: int, step: str) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        if case is None or case.agency is None or step not in STEPS:
            abort(404)
        do, done = STEPS[step]
        try:
            do(current_site(), case, carrier())
        except PortalError as exc:
            db.session.rollback()
            flash(error_text(exc), "danger")
        else:
            flash(gettext(done), "success")
        return redirect(_local(request.form.get("next")) or url_for("AgencyView.show", pk=pk))
