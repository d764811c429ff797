"""好差评 by the applicant, and the 回访整改 task a bad rating opens.

Each decided case has a signed, one-case link (on its 办结通知书 as a QR code, and on the
progress query's answer): whoever holds it may rate that case once, on the five levels of
GB/T 39046 (非常满意 … 非常不满意), with an optional text. The rating is an evaluation like
those supervision records from the other channels (政务服务网 from the progress page, 移动端
from the QR code), so it counts in the assessment alike. "Once" is held by the database (a
partial unique index over the applicant's evaluations), also against two tabs at once.

A 不满意 or 非常不满意 rating — the applicant's, or one supervision records — opens a 回访整改
task for the case's sub-center, due in the center's ``evaluations.follow_up_days`` working
days: the manager calls the applicant back, records what they said, then the rectification.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.cases.lifecycle import calendar_of, local_day
from portal.core import servertime
from portal.core.errors import N_, PortalError
from portal.models import Case, CaseState, Evaluation, FollowUp
from portal.models.assessment import LEVELS
from portal.site import Site

BAD = LEVELS[3:]  # 不满意, 非常不满意: a call-back and a rectification follow
# what may be rated: a case the window has decided (done, or not accepted)
RATEABLE = (CaseState.COMPLETED, CaseState.REJECTED)
WEB, MOBILE = "政务服务网", "移动端"  # the channels of GB/T 39046 a link is followed from
APPLICANT = "申请人"  # the evaluation's "recorded by": nobody on the staff
FOLLOW_UP_DAYS = 15  # when the center declares none: 整改 within 15 working days
TEXT_MOST = 500
_SALT = "portal-rating"


def token(secret: str, case_id: int) -> str:
    """The case's rating link's token (signed: nobody makes one for another case)."""
    return URLSafeSerializer(secret, salt=_SALT).dumps({"c": case_id})


def case_of(session: Session, secret: str, given: str) -> Case | None:
    """The case a token is for, if it is genuine and the case may be rated; else ``None``."""
    try:
        case_id = URLSafeSerializer(secret, salt=_SALT).loads(given)["c"]
    except (BadSignature, KeyError, TypeError):
        return None
    case = session.get(Case, case_id) if isinstance(case_id, int) else None
    return case if case is not None and case.state in RATEABLE else None


def rated(session: Session, case: Case) -> Evaluation | None:
    """The applicant's own rating of ``case``, if given."""
    return session.scalars(select(Evaluation).where(Evaluation.case_id == case.id,
                                                    Evaluation.by_applicant)).one_or_none()


@dataclass(frozen=True)
class Rated:
    evaluation: Evaluation
    follow_up: FollowUp | None


def rate(session: Session, site: Site, case: Case, level: str, channel: str, text: str = "") -> Rated:
    """Record the applicant's rating of ``case`` (once); commits. A bad one opens its task."""
    if level not in LEVELS or channel not in (WEB, MOBILE):
        raise PortalError(N_("choose one of the five levels"), hint=N_("非常满意 … 非常不满意"))
    if case.state not in RATEABLE:
        raise PortalError(N_("case %(number)s is not decided yet"),
                          hint=N_("a case is rated once the window has decided it"), number=case.number)
    evaluation = Evaluation(case_id=case.id, sub_center_id=case.sub_center_id, window_id=case.window_id,
                            level=level, channel=channel, text=text.strip()[:TEXT_MOST] or None,
                            recorded_by=APPLICANT, by_applicant=True)
    session.add(evaluation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise PortalError(N_("case %(number)s has been rated already"),
                          hint=N_("each case is rated once"), number=case.number) from None
    task = follow_up(session, site, evaluation)
    session.commit()
    return Rated(evaluation, task)


def follow_up(session: Session, site: Site, evaluation: Evaluation) -> FollowUp | None:
    """Open the 回访整改 task of a bad rating (none for a good one); the caller commits."""
    if evaluation.level not in BAD:
        return None
    days = int((site.center.get("evaluations") or {}).get("follow_up_days", FOLLOW_UP_DAYS))
    today = local_day(site, servertime.now())
    task = FollowUp(evaluation_id=evaluation.id, case_id=evaluation.case_id,
                    sub_center_id=evaluation.sub_center_id, window_id=evaluation.window_id,
                    due_date=calendar_of(site).add_workdays(today, days))
    session.add(task)
    session.flush()
    return task
