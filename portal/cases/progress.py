"""办件查询: what an applicant without a login learns of their case, and nothing more.

The applicant gives the case number and a secret only they hold: the last six characters of the
identity number on the application, or the phone number they gave. A right pair shows the
case's state, its current step, its due date and light, the documents issued and the
applicant's name masked (王*英); for an application taken by a village point or a town center
(代办), where it is: at the village, at the town, delivered to the deciding sub-center,
decided and waiting to be replied, replied. A wrong pair and an unknown number answer alike — the same
``None``, after the same comparison — so the query tells nobody which numbers exist. Drafts are
not cases yet: unknown.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.cases.agency import where
from portal.cases.supervision import Thresholds
from portal.forms.identifiers import normalised
from portal.models import Case, CaseState, IssuedDocument

# compared against when the number is unknown (or holds no secret): both answers cost the same
_NOBODY = "\0" * 6


@dataclass(frozen=True)
class Progress:
    number: str
    item: str
    sub_center: str
    state: str  # CaseState value (the page words it)
    step: str | None  # the step now open, by the item's process at acceptance
    due: dt.date | None
    light: str | None  # red / yellow / green / paused, as the center's lights
    documents: tuple[tuple[str, str], ...]  # (kind, number) of each document issued
    applicant: str  # masked
    case_id: int  # not shown: the rating link of a decided case is signed for it
    # 代办: where an agency case is (a message id and its parameters), ``None`` for others
    agency: tuple[str, dict[str, str]] | None = None


def applicants_secret(id_number: str | None, phone: str | None, given: str) -> str:
    """What an applicant's answer is checked against: the phone number when they gave one
    that long, else the last six characters of the identity number."""
    if len(given) > 6 and phone:
        return normalised(phone)
    return (id_number or "").strip().upper()[-6:]


def holds(record: object | None, expected: str | None, given: str) -> bool:
    """Whether ``given`` is the record's secret ``expected``: compared in constant time also
    when there is no record or no secret, so that a wrong pair and an unknown number take the
    same path and give the same answer (the hall's every lookup asks this)."""
    right = hmac.compare_digest((expected or _NOBODY).encode(), given.encode())
    return right and record is not None and bool(expected)


def masked(name: str) -> str:
    """王秀英 → 王*英, 王五 → 王*: enough for the holder to recognise, not to identify."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(len(name) - 2, 1) + (name[-1] if len(name) > 2 else "")


def progress(session: Session, number: str, secret: str, th: Thresholds) -> Progress | None:
    """The case ``number`` if ``secret`` is its applicant's; ``None`` otherwise (unknown
    number, wrong secret, a draft: all alike)."""
    # as a phone's input method types them: full-width １２３ and ｘ, spaces
    number, given = normalised(number), normalised(secret)
    with unscoped():  # the pair is the authority here, not a session
        case = session.scalars(select(Case).where(Case.number == number)).one_or_none() \
            if number else None
        expected = applicants_secret(case.applicant_id_number, case.applicant_phone, given) \
            if case is not None else None
        if not holds(case, expected, given) or case.state == CaseState.DRAFT:
            return None
        steps = (case.plan or {}).get("steps") or []
        step = steps[case.step]["name"] if case.step is not None and 0 <= case.step < len(steps) \
            and case.state in (CaseState.ACCEPTED, CaseState.PAUSED) else None
        documents = tuple((kind, number) for kind, number in session.execute(
            select(IssuedDocument.kind, IssuedDocument.number).where(IssuedDocument.case_id == case.id)
            .order_by(IssuedDocument.issued_at)))
        return Progress(number=case.number, item=case.item.name, sub_center=case.sub_center.unified_name,
                        state=case.state, step=step, due=case.due_date,
                        light=th.light(case.state, case.due_date), documents=documents,
                        applicant=masked(case.applicant_name or ""), case_id=case.id,
                        agency=where(session, case))
