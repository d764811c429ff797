"""Intake: an application filled against a form version becomes a case (draft or submitted)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.audit import append
from portal.cases.numbering import case_number
from portal.core import servertime
from portal.core.errors import N_, PortalError
from portal.forms.build import Checked
from portal.forms.spec import FormSpec, form_from
from portal.models import Case, CaseAgency, CaseState, FormVersion, Offering, Window
from portal.models.case import COUNTER
from portal.site import Site
from portal.site.publish import current_version

ID_TYPES = {"id_card": "居民身份证", "uscc": "统一社会信用代码"}
UNNAMED = "（未填写）"

_specs: dict[str, FormSpec] = {}
_specs_lock = threading.Lock()


def spec_of(version: FormVersion) -> FormSpec:
    """The metadata of a stored form version, built once per process and digest."""
    spec = _specs.get(version.digest)
    if spec is None:
        with _specs_lock:
            spec = _specs.setdefault(version.digest, form_from(version.definition))
    return spec


def applicant_of(spec: FormSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """The case's applicant columns, from the fields the form marks with ``applicant``."""
    out: dict[str, Any] = {"applicant_name": UNNAMED, "applicant_id_type": "", "applicant_id_number": "",
                           "applicant_phone": None}
    for f in spec.fields():
        part, value = f.get("applicant"), data.get(f.name)
        if not part or value in (None, ""):
            continue
        if part == "name":
            out["applicant_name"] = str(value)[:200]
        elif part == "id_number":
            out["applicant_id_number"] = str(value)[:40]
            out["applicant_id_type"] = ID_TYPES.get(f.type, "其他证件")
        elif part == "phone":
            out["applicant_phone"] = str(value)[:40]
    return out


def save_application(session: Session, site: Site, offering: Offering, window: Window,
                     checked: Checked, submit: bool, case: Case | None = None,
                     by: str = "system", channel: str = COUNTER, agency: CaseAgency | None = None,
                     noted: Mapping[str, Any] | None = None) -> Case:
    """Store a checked application as a new case, or into the draft ``case``; commits.

    The form version is the one the data was checked against: ``checked.form.spec``'s digest
    names it. A case keeps that version for good, also when its draft is saved again later.
    ``channel``: how it reached the window (窗口 at the counter, 网上 from the public hall, 代办
    carried by a village point or town center). ``agency``: the carrying of a case taken for
    this window elsewhere (portal/cases/agency.py): the case is on its way (``forwarding``)
    instead of submitted; ``noted`` goes into the submission's event (where it was taken).
    """
    if window not in offering.windows:
        raise PortalError(N_("window %(window)s does not handle this item"),
                          hint=N_("choose one of the item's windows"), window=window.code)
    if case is not None and case.state != CaseState.DRAFT:
        raise PortalError(N_("case %(number)s is no longer a draft"),
                          hint=N_("it was submitted already"), number=case.number)
    spec = checked.form.spec
    if case is None:
        version = session.scalar(select(FormVersion).where(FormVersion.digest == spec.digest))
        if version is None:
            raise PortalError(N_("this form version is not published"), hint=N_("publish the site first"))
        site_version = current_version(session)
        assert site_version is not None
        case = Case(item_id=offering.item_id, sub_center_id=offering.sub_center_id,
                    window_id=window.id, site_version_id=site_version.id,
                    form_version_id=version.id, channel=channel)
    for name, value in applicant_of(spec, checked.data).items():
        setattr(case, name, value)
    case.data = checked.data
    case.state = CaseState.SUBMITTED if submit else CaseState.DRAFT
    if agency is not None:
        if not submit:
            raise PortalError(N_("an agency application is taken whole"), hint=N_("submit it"))
        case.state, case.agency = CaseState.FORWARDING, agency
    if submit and case.number is None:  # at submission: the declared pattern, one number per
        # case however busy; a draft has none (an abandoned draft leaves no gap in the sequence)
        case.number = case_number(session, site.center["case_number"], offering.sub_center.code,
                                  window.code, servertime.local_day(servertime.now(), site.zone))
    session.add(case)
    session.flush()
    if submit:  # the server's time, on the record (先办后录 cannot be faked)
        append(session, case, "submit", by, {"form_version": case.form_version_id, "channel": case.channel,
                                             **(noted or {})})
    session.commit()
    return case


def application_text(case: Case) -> str:
    """The application in one line, by the case's own form version: '标签：值；…' (CSV export)."""
    if case.form_version is None:
        return ""
    spec = spec_of(case.form_version)
    parts = []
    for f in spec.fields():
        value = (case.data or {}).get(f.name)
        if value is None or value == []:
            continue  # empty, or hidden by a rule when it was filled
        parts.append(f"{f.label}：{_text(f, value)}")
    return "；".join(parts)


def _text(f: Any, value: Any) -> str:
    if f.type == "yesno":
        return gettext("Yes") if value else gettext("No")
    if f.type == "table":
        return " | ".join("，".join(f"{c.label} {row.get(c.name) if row.get(c.name) is not None else ''}"
                                    for c in f.columns) for row in value)
    if f.type == "upload":
        return "、".join(file["name"] for file in value)
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)
