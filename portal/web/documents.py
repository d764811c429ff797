"""Printing a case's documents, and the public check page their QR codes open.

- ``POST /documents/<case>/<kind>`` (permission ``casework``, through the scope rule): the first
  print issues and stores the document, a reprint returns the stored PDF and is logged (补打).
- ``GET /verify/<token>``: no login. Says whether the document is genuine — its number, the
  holder's masked name, the issuing sub-center and the date — from the signed token; a forged
  or altered token says so. Nothing else is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy import select

from portal.access.roles import WRITE, permission
from portal.access.scope import unscoped
from portal.cases.intake import spec_of
from portal.core.errors import PortalError
from portal.documents import batches, issuing
from portal.documents.render import DocumentError, render_pdf
from portal.models import Case, FormVersion, PrintJob, SubCenter, db
from portal.web import jobs as background
from portal.web.cases.casework import actor, actor_of
from portal.web.current import center_today, center_zone, current_site
from portal.web.errors import error_text, writable_or_403

public = Blueprint("verify", __name__)


def public_base() -> str:
    """The address QR codes carry: PORTAL_PUBLIC_URL, else the one the browser used."""
    return (current_app.config.get("PORTAL_PUBLIC_URL") or request.host_url).rstrip("/")


def verify_url(token: str) -> str:
    return public_base() + url_for("verify.check", token=token)


def rate_url(token: str) -> str:
    return public_base() + url_for("hall.rate", token=token)


class DocumentView(BaseView):
    route_base = "/documents"
    datamodel = SQLAInterface(Case)
    class_permission_name = "casework"  # printing is casework: clerks and managers
    method_permission_name = {"issue": WRITE, "batch": WRITE, "job": WRITE, "job_zip": WRITE}
    base_permissions = [permission(WRITE)]

    @expose("/batch", methods=["GET", "POST"])
    @has_access
    def batch(self) -> Any:
        """批量打印: every document of one kind for a day's cases (in the user's scope)."""


        who = actor()
        if request.method == "POST":
            try:
                day = dt.date.fromisoformat(request.form.get("day", ""))
                sub = request.form.get("sub_center", "")
                zone = center_zone()
                job = batches.create(db.session, request.form.get("kind", ""), day, zone, who,
                                     int(sub) if sub.isdigit() else None, public_url=public_base())
            except (ValueError, PortalError) as exc:
                db.session.rollback()
                flash(error_text(exc), "danger")
                return redirect(url_for("DocumentView.batch"))
            background.enqueue("print", job)
            return redirect(url_for("DocumentView.job", pk=job.id))
        jobs = db.session.scalars(select(PrintJob).where(PrintJob.requested_by == who.name)
                                  .order_by(PrintJob.id.desc()).limit(10)).all()
        subs = db.session.scalars(select(SubCenter).order_by(SubCenter.code)).all()
        return self.render_template("portal/print_batch.html", title=gettext("Batch printing"),
                                    jobs=jobs, subs=subs, kinds=batches.BATCHES,
                                    today=center_today().isoformat())

    @expose("/batch/<int:pk>")
    @has_access
    def job(self, pk: int) -> Any:
        job = background.own(PrintJob, pk, center_wide_too=True)
        if request.args.get("format") == "json":
            return job.status()
        return self.render_template("portal/print_job.html", title=job.label, job=job)

    @expose("/batch/<int:pk>/documents.zip")
    @has_access
    def job_zip(self, pk: int) -> Any:

        job = background.own(PrintJob, pk, center_wide_too=True)
        if job.state != "done":
            abort(409)
        return Response(batches.archive(db.session, job), mimetype="application/zip", headers={
            "Content-Disposition": f"attachment; filename=print-job-{job.id}.zip"})

    @expose("/<int:pk>/<string:kind>", methods=["POST"])
    @has_access
    def issue(self, pk: int, kind: str) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        if case is None or kind not in issuing.KINDS:
            abort(404)
        writable_or_403(case)  # a branch department does not print the bundle's documents
        try:
            document, reprint = issuing.issue(db.session, current_site(), case, kind, actor(),
                                              verify_url, current_app.config["SECRET_KEY"], rate_url)
        except DocumentError as exc:
            db.session.rollback()
            flash(error_text(exc), "danger")
            return redirect(url_for("CaseScreen.show", pk=pk))
        name = f"{document.number}{'-补打' if reprint else ''}.pdf"
        return Response(document.pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}",
            "X-Document-Number": document.number, "X-Document-SHA256": document.sha256,
            "X-Document-Reprint": "1" if reprint else "0"})


@background.runs("print")
def _print(job: PrintJob, user: Any, scope: Any) -> None:
    """A batch, on a worker: the cases were chosen through the requester's scope when the job
    was made; the QR codes carry the address the requester's browser used."""
    base = (job.params or {}).get("public_url") or current_app.config.get("PORTAL_PUBLIC_URL") or ""
    batches.run(db.session, current_site(), job.id, actor_of(user, scope),
                lambda token: f"{base.rstrip('/')}/verify/{token}", current_app.config["SECRET_KEY"],
                progress=lambda done, total: background.still_mine(),
                rate_url=lambda token: f"{base.rstrip('/')}/hall/rate/{token}")


def _quote(name: str) -> str:

    return quote(name)


# The public PDFs (办事指南, blank forms) by what they are made of: the published site (its
# content hash covers the declarations and the templates) and what was asked. Rendered once
# per process and version, not per request (a failed render is not kept).
@lru_cache(maxsize=256)
def _public_pdf_of(content_hash: str, kind: str, *key: str) -> bytes:
    site = current_site()
    if kind == "guide":
        sub, item = key
        return render_pdf(site.templates, issuing.guide_html(site, sub, item), name="guide.html")
    version = db.session.get(FormVersion, int(key[0]))
    html = issuing.blank_form_html(site, spec_of(version), str(version))
    return render_pdf(site.templates, html, name="blank-form.html")


def _public_pdf(kind: str, key: tuple[str, ...], filename: str) -> Response:
    site = current_site()
    etag = hashlib.sha256("\0".join((site.content_hash, kind, *key)).encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    try:
        pdf = _public_pdf_of(site.content_hash, kind, *key)
    except DocumentError as exc:
        return Response(error_text(exc), status=500, mimetype="text/plain")
    response = Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{_quote(filename)}",
        "Cache-Control": "public, max-age=3600"})
    response.set_etag(etag)
    return response


@public.route("/guide/<sub>/<item>.pdf")
def guide(sub: str, item: str) -> Any:
    """办事指南: public, like the seven disclosures it prints."""
    site = current_site()
    if site is None or sub not in site.subcenters or item not in site.subcenters[sub].offerings:
        abort(404)
    return _public_pdf("guide", (sub, item), f"{site.subcenters[sub].offerings[item].item.name}办事指南.pdf")


@public.route("/forms/<int:pk>/blank.pdf")
def blank_form(pk: int) -> Any:
    """表格下载: the blank form of any form version (form versions are public)."""
    version = db.session.get(FormVersion, pk)
    if version is None or current_site() is None:
        abort(404)
    spec = spec_of(version)
    return _public_pdf("blank", (str(pk),), f"{spec.title}（{version}）.pdf")


@public.route("/verify/<token>")
def check(token: str) -> Any:
    with unscoped():  # the token is the authority here, not a session
        result = issuing.check(db.session, current_site(), token, current_app.config["SECRET_KEY"])
    return render_template("portal/verify.html", result=result,
                           title=gettext("Document check")), 200 if result.genuine else 404
