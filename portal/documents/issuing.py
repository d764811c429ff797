"""Issuing a case's documents: numbered once, stored with their SHA-256, reprinted identically.

Kinds: 受理通知书, 不予受理通知书, 一次性告知书, 办结通知书 and the item's result certificate
(the template its declaration names). Each is issued once per case: the first print numbers it
(sub-center, kind, year — one database sequence each, so concurrent clerks never share a
number), renders it from the published templates and stores the PDF; a reprint (补打) returns
the stored PDF byte for byte and is logged as an event of the case. Every document carries a
QR code of its public check page (a signed token of its number).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import segno
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access.roles import ROLE_NAMES
from portal.cases import audit, ratings
from portal.cases.actions import Actor
from portal.cases.lifecycle import guessed_years, local_day, offering_of
from portal.cases.numbering import take_number
from portal.cases.progress import masked
from portal.core import servertime
from portal.core.canonical import plain
from portal.core.errors import N_
from portal.documents.render import DocumentError, FormData, render_html, render_pdf
from portal.models import Case, CaseEvent, CaseState, IssuedDocument
from portal.site import Site
from portal.site.publish import current_version


@dataclass(frozen=True)
class Kind:
    title: str | None  # None: the item's result name
    code: str  # in the number: MZ-SL-2026-00001
    template: str | None  # None: the template the item's result names
    when: Callable[[Case], bool]
    event: str  # the case event the document reports: its date is the document's date


KINDS = {
    "acceptance": Kind("受理通知书", "SL", "acceptance-notice.html", lambda c: c.accepted_at is not None,
                       "accept"),
    "rejection": Kind("不予受理通知书", "BY", "rejection-notice.html",
                      lambda c: c.state == CaseState.REJECTED, "reject"),
    "missing": Kind("一次性告知书", "GZ", "missing-notice.html",
                    lambda c: c.state == CaseState.NOTICE_MISSING, "notice_missing"),
    "completion": Kind("办结通知书", "BJ", "completion-notice.html",
                       lambda c: c.state == CaseState.COMPLETED, "complete"),
    "certificate": Kind(None, "ZS", None,
                        lambda c: c.state == CaseState.COMPLETED and c.outcome == "approved", "complete"),
}
OUTCOMES = {"approved": "准予", "denied": "不予"}
SALT = "portal-document"
# issued documents are archived: PDF/A-3b (fonts embedded, XMP metadata, an sRGB output intent)
ARCHIVAL = "pdf/a-3b"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def available(case: Case) -> list[str]:
    return [kind for kind, spec in KINDS.items() if spec.when(case)]


def _offering(site: Site, case: Case) -> Any:
    offering = offering_of(site, case)
    if offering is None:
        raise DocumentError(N_("%(place)s no longer offers %(item)s"),
                            hint=N_("documents follow the published offering of the case's item"),
                            place=case.sub_center.unified_name, item=case.item.name)
    return offering


def title_of(site: Site | None, case: Case, kind: str) -> str:
    """A document's title: the kind's own, or the result the item's declaration names."""
    if KINDS[kind].title:
        return KINDS[kind].title
    offering = offering_of(site, case)
    return offering.item.data["result"]["name"] if offering else ""


def template_of(site: Site, case: Case, kind: str) -> str:
    spec = KINDS[kind]
    if spec.template:
        return spec.template
    result = _offering(site, case).item.data["result"]
    return f"{result.get('template') or 'result-notice'}.html"


def _event_day(session: Session, site: Site, case: Case, kind: str) -> dt.date | None:
    """The day of the decision a document reports — acceptance and completion as the case
    records them, other decisions by their event: what the document is dated (a reprint years
    later still states the day of the decision, never the day of the print)."""
    at = {"accept": case.accepted_at, "complete": case.completed_at}.get(kind) or session.scalar(
        select(CaseEvent.at).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
        .order_by(CaseEvent.seq.desc()).limit(1))
    return local_day(site, at) if at is not None else None


def _last_event(session: Session, case: Case, kind: str) -> dict[str, Any]:
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
                            .order_by(CaseEvent.seq.desc()).limit(1)).first()
    return dict(event.data) if event else {}


def issuer(site: Site, sub: Any) -> dict[str, Any]:
    """Who issues a document, as every template sees it: the center and the sub-center (with
    its unified identity code)."""
    return {"center": {"name": site.center["name"], "region_code": site.center["region_code"]},
            "subcenter": {"code": sub.code, "unified_name": sub.unified_name, "name": sub.name,
                          "address": sub.address, "phone": sub.phone, "hours": sub.hours,
                          "identity": f"{site.center['region_code']}-{sub.code.upper()}"}}


def context(session: Session, site: Site, case: Case, document: dict[str, Any]) -> dict[str, Any]:
    """The only data a template sees: plain values, no database or application objects."""
    offering = _offering(site, case)
    sub = site.subcenters[case.sub_center.code]
    window = site.window(case.window.code)
    item = plain(offering.item.data)
    completed = _last_event(session, case, "complete")
    rejected = _last_event(session, case, "reject")
    missing = _last_event(session, case, "notice_missing")
    accepted = local_day(site, case.accepted_at) if case.accepted_at else None
    completed_day = local_day(site, case.completed_at) if case.completed_at else None
    return {
        **issuer(site, sub),
        "window": {"code": window.code, "name": window.name},
        "item": item,
        "case": {
            "number": case.number, "applicant_name": case.applicant_name,
            "applicant_id_type": case.applicant_id_type, "data": FormData(plain(case.data or {})),
            "accepted_on": chinese_date(accepted) if accepted else "",
            "accepted_at": accepted.isoformat() if accepted else "",
            "limit_days": case.limit_days, "due_on": chinese_date(case.due_date) if case.due_date else "",
            "completed_on": chinese_date(completed_day) if completed_day else "",
            # 2027 年节假日安排尚未公布: the due date is an estimate by weekdays
            "guessed_years": list(guessed_years(site, case)),
            "completed_month": f"{completed_day.year}年{completed_day.month}月" if completed_day else "",
            "outcome": OUTCOMES.get(case.outcome or "", ""), "result_text": completed.get("result", ""),
            "reason": rejected.get("reason", ""), "missing": missing.get("missing", []),
            "note": missing.get("note", ""),
        },
        "document": document,
    }


def signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def qr_data_uri(url: str) -> str:
    # no size in the SVG: the CSS sizes it (segno's own size ignores the CSS box and overflows
    # the page)
    return segno.make(url, error="m").svg_data_uri(omitsize=True, border=0)


def issue(session: Session, site: Site, case: Case, kind: str, actor: Actor,
          verify_url: Callable[[str], str], secret: str,
          rate_url: Callable[[str], str] | None = None) -> tuple[IssuedDocument, bool]:
    """The case's document of ``kind``: (document, True) for a reprint of the stored one.
    ``rate_url``: the public address of a rating token; a 办结通知书 carries the case's rating
    link as a second QR code (``document.rate_qr``)."""
    if kind not in KINDS or not KINDS[kind].when(case):
        raise DocumentError(N_("case %(number)s has no %(kind)s document now"),
                            hint=N_("documents follow the case: accepted, rejected, notified, completed"),
                            number=case.number,
                            kind=(KINDS[kind].title or case.item.name) if kind in KINDS else kind)
    stored = session.scalars(select(IssuedDocument).where(
        IssuedDocument.case_id == case.id, IssuedDocument.kind == kind)).one_or_none()
    if stored is not None:  # 补打: the stored file, only as it was issued
        if not intact(session, stored):
            audit.append(session, case, "reprint_refused", actor.name,
                         {"document": stored.number, "kind": kind, "reason": "altered"})
            session.commit()
            raise DocumentError(N_("the stored %(number)s no longer matches the file issued: it is "
                                   "not handed out"),
                                hint=N_("report it to the center admin; the check page says it is altered"),
                                number=stored.number)
        audit.append(session, case, "reprint", actor.name, {"document": stored.number, "kind": kind})
        session.commit()
        return stored, True
    now = servertime.now()
    day = local_day(site, now)
    sub = case.sub_center.code
    seq = take_number(session, f"doc:{sub}:{kind}:{day.year}")  # committed now: render unlocked
    number = f"{sub.upper()}-{KINDS[kind].code}-{day.year}-{seq:05d}"
    token = signer(secret).dumps({"n": number})
    template = template_of(site, case, kind)
    decided = _event_day(session, site, case, KINDS[kind].event) or day
    document = {"number": number, "date": chinese_date(decided), "kind": kind,
                "title": title_of(site, case, kind),
                "verify_url": verify_url(token), "qr": qr_data_uri(verify_url(token)),
                "rate_url": "", "rate_qr": ""}
    if kind == "completion" and rate_url is not None:  # 好差评: scanned with the applicant's phone
        link = rate_url(ratings.token(secret, case.id)) + "?via=qr"
        document |= {"rate_url": link, "rate_qr": qr_data_uri(link)}
    html = render_html(site.templates, template, context(session, site, case, document))
    pdf = render_pdf(site.templates, html, name=template, variant=ARCHIVAL)
    stored = IssuedDocument(number=number, kind=kind, case_id=case.id, sub_center_id=case.sub_center_id,
                            template=template, site_version_id=current_version(session).id,
                            issued_at=now, issued_by=actor.name, pdf=pdf,
                            sha256=hashlib.sha256(pdf).hexdigest())
    session.add(stored)
    try:
        session.flush()
    except IntegrityError:  # another clerk issued it a moment ago: theirs is the document
        session.rollback()
        return issue(session, site, session.get(Case, case.id), kind, actor, verify_url, secret, rate_url)
    audit.append(session, case, "print", actor.name,
                 {"document": number, "kind": kind, "sha256": stored.sha256}, at=now)
    session.commit()
    return stored, False


@dataclass(frozen=True)
class Check:
    """What the public check page says about a token."""

    genuine: bool
    reason: str = ""
    number: str = ""
    holder: str = ""
    issuer: str = ""
    date: str = ""
    title: str = ""


def intact(session: Session, stored: IssuedDocument) -> bool:
    """The stored file is the one issued: it matches its hash, and its hash the one the print
    event recorded in the audit chain (a file rewritten together with its hash row is still
    caught). The check page and 补打 ask the same."""
    printed = [e.data.get("sha256") for e in session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == stored.case_id, CaseEvent.kind == "print"))
        if e.data.get("document") == stored.number]
    return hashlib.sha256(stored.pdf).hexdigest() == stored.sha256 and printed == [stored.sha256]


def check(session: Session, site: Site, token: str, secret: str) -> Check:
    try:
        number = signer(secret).loads(token)["n"]
    except (BadSignature, KeyError, TypeError, IndexError):
        return Check(False, "forged")
    if not isinstance(number, str):  # signed by us, but not a document's token
        return Check(False, "forged")
    stored = session.scalars(select(IssuedDocument).where(IssuedDocument.number == number)).one_or_none()
    if stored is None:
        return Check(False, "unknown", number=str(number))
    if not intact(session, stored):
        return Check(False, "altered", number=number)
    case = session.get(Case, stored.case_id)
    sub = site.subcenters.get(case.sub_center.code)
    return Check(True, number=number, holder=masked(case.applicant_name),
                 issuer=sub.unified_name if sub else "", title=title_of(site, case, stored.kind),
                 date=chinese_date(local_day(site, stored.issued_at)))


# --- public documents: the 办事指南 of an offered item, the blank form of a form version ------

def guide_html(site: Site, sub_code: str, item_code: str) -> str:
    """The 办事指南 of ``item_code`` as ``sub_code`` offers it (its windows, limits, contacts)."""

    sub = site.subcenters[sub_code]
    offering = sub.offerings[item_code]
    item = plain(offering.item.data)
    item["code"] = item_code
    if item.get("parallel"):
        item["parallel"] = [{"item": site.items[b["item"]].name,
                             "subcenter": site.subcenters[b["subcenter"]].unified_name}
                            for b in item["parallel"]]
    windows = [{"code": w.code, "name": w.name} for w in sub.windows if w.code in offering.windows]
    return render_html(site.templates, "guide.html", {
        **issuer(site, sub), "item": item, "windows": windows, "roles": dict(ROLE_NAMES)})


def blank_form_html(site: Site, spec: Any, version: str) -> str:
    """A form version with every field empty, for filling in by hand (表格下载)."""
    def field(f: Any) -> dict[str, Any]:
        return {"label": f.label, "type": f.type, "required": bool(f.data.get("required")),
                "options": list(f.data.get("options") or ()) or (["是", "否"] if f.type == "yesno" else []),
                "help": f.data.get("help", ""), "computed": f.compute is not None,
                "material": f.data.get("material", ""),
                "columns": [{"label": c.label} for c in f.columns],
                "rows": max(int(f.data.get("min_rows") or 0), 4)}

    form = {"title": spec.title, "version": version,
            "sections": [{"title": s.title, "fields": [field(f) for f in s.fields]}
                         for s in spec.sections]}
    return render_html(site.templates, "blank-form.html", {"form": form})


def sample_context(site: Site, template: str) -> dict[str, Any]:
    """Made-up data for previewing and checking a template: an offering that prints it (or
    the first one), a case of 王秀英's, a document number."""
    pairs = [(sub, code, off) for sub in site.subcenters.values() for code, off in sub.offerings.items()]
    sub, code, offering = next(((s, c, o) for s, c, o in pairs
                                if f"{o.item.data['result'].get('template')}.html" == template), pairs[0])
    item = plain(offering.item.data)
    item["code"], item["name"] = code, offering.item.name
    window = next(w for w in sub.windows if w.code in offering.windows)
    number = f"{sub.code.upper()}-ZS-2026-00001"
    return {
        **issuer(site, sub),
        "window": {"code": window.code, "name": window.name},
        "item": item, "windows": [{"code": window.code, "name": window.name}],
        "case": {"number": f"{sub.code.upper()}202611270001", "applicant_name": "王秀英",
                 "applicant_id_type": "居民身份证", "data": {"id_number": "11010519491231002X",
                                                             "address": "句容市华阳镇人民路1号"},
                 "accepted_on": "2026年11月2日", "accepted_at": "2026-11-02", "limit_days": 15,
                 "due_on": "2026年11月23日", "completed_on": "2026年11月20日",
                 "completed_month": "2026年11月", "outcome": "准予", "result_text": "（示例）",
                 "reason": "（示例）不符合申报条件", "missing": ["户口簿", "家庭成员收入证明"],
                 "note": ""},
        "document": {"number": number, "date": "2026年11月27日", "kind": "sample", "title": "",
                     "verify_url": "", "qr": qr_data_uri(f"https://portal.invalid/verify/{number}"),
                     "rate_url": "", "rate_qr": qr_data_uri("https://portal.invalid/hall/rate/sample")},
        "form": {"title": "（示例）申请表", "version": "v1", "sections": []},
        "roles": {"clerk": "窗口工作人员", "manager": "分中心管理员"},
    }
