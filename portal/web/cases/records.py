"""Screens of the assessment records: 好差评, 投诉, 巡查; and of the public's questions (网上咨询).

A record names a window (or, for an evaluation, a case, whose window it takes); its sub-center
follows from that, so the scope rule files it where it belongs. Who recorded it and when are
set by the server. Evaluations and inspection findings are never edited once recorded;
complaints are edited to record their handling and outcome, and — for one filed in the public
hall — the reply its complainant reads there; a consultation is answered by its sub-center. Who
replied and when are set by the server.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect, select
from wtforms import Field, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.access.scope import owned_cases
from portal.cases import ratings
from portal.core import servertime
from portal.models import Case, CaseState, PortalUser, db
from portal.models.assessment import ANSWERED, CHANNELS, COMPLAINT_OUTCOMES, INSPECTION_KINDS, LEVELS, OPEN
from portal.web.current import current_site
from portal.web.screens import PortalModelView

REPLY_MOST = 2000  # characters of a reply (a textarea's limit)
OPEN_FOR_EVALUATION = (CaseState.ACCEPTED, CaseState.PAUSED, CaseState.COMPLETED, CaseState.REJECTED)


def _case_by_number(number: str) -> Case | None:
    """Through the scope rule, and only a case taken where the recording user may file records:
    a record lands in the case's sub-center, so a bundle case seen through a branch is not one."""
    return db.session.scalars(select(Case).where(Case.number == number.strip(), owned_cases())
                              ).one_or_none()


class CaseNumber:
    def __init__(self, required: bool) -> None:
        self.required = required

    def __call__(self, form: Any, field: Any) -> None:
        if not (field.data or "").strip():
            if self.required:
                raise ValidationError(_l("Give the case number."))
            return
        case = _case_by_number(field.data)
        if case is None:
            raise ValidationError(_l("No case with this number in your scope."))
        if case.state not in OPEN_FOR_EVALUATION:
            raise ValidationError(_l("This case has not been decided yet."))


class KnownUser:
    """A record names a clerk by user name: one the recording user can see (the scope rule),
    so that it counts in the assessment by clerk and a typo is caught at the counter."""

    def __call__(self, form: Any, field: Any) -> None:

        name = (field.data or "").strip()
        field.data = name or None
        known = select(PortalUser.id).where(PortalUser.username == name)
        if name and db.session.scalars(known).first() is None:
            raise ValidationError(_l("No user with this user name in your sub-centers."))


def _norm_codes() -> list[str]:
    site = current_site()
    return [n["code"] for n in site.center.get("service_norms", ())] if site else []


class NormCode:
    """服务规范 findings name one of the center's service norms (center.yaml service_norms)."""

    def __call__(self, form: Any, field: Any) -> None:
        code = (field.data or "").strip()
        if form.kind.data == "服务规范" and not code:
            raise ValidationError(_l("A service-norm finding names the norm (e.g. N02)."))
        if code and code not in _norm_codes():
            raise ValidationError(_l("Not a service norm of the center: %(codes)s",
                                     codes="、".join(_norm_codes())))


def choice(label: Any, values: tuple[str, ...]) -> SelectField:
    """A select of fixed values (FAB's own EnumField passes tuples, which WTForms 3.3 deprecates)."""
    return SelectField(label, choices=[SelectChoice(v) for v in values], validators=[DataRequired()],
                       widget=Select2Widget())


class RecordScreen(PortalModelView):
    """Sets the place and the recorder of a record from the server, never from the form."""

    def _place(self, item: Any) -> None:
        number = getattr(self, "_case_number", None)
        if number:
            case = _case_by_number(number)
            item.case_id = case.id
            if getattr(item, "window_id", None) is None or self.case_places_record:
                item.window_id, item.sub_center_id = case.window_id, case.sub_center_id
        if item.window is not None:
            item.sub_center_id = item.window.sub_center_id

    case_places_record = False

    def process_form(self, form: Any, is_created: bool) -> None:
        self._case_number = form.case_number.data.strip() if "case_number" in form else None
        super().process_form(form, is_created)

    def pre_add(self, item: Any) -> None:
        item.recorded_by = current_user.username
        self._place(item)

    def pre_update(self, item: Any) -> None:
        self._place(item)


class EvaluationScreen(RecordScreen):
    case_places_record = True  # an evaluation is about the case's own window

    def post_add(self, item: Any) -> None:
        """A 不满意/非常不满意 rating from any channel opens its 回访整改 task."""
        if ratings.follow_up(db.session, current_site(), item) is not None:
            db.session.commit()
    add_form_extra_fields = {"case_number": StringField(_l("Case number"), widget=BS3TextFieldWidget(),
                                                        validators=[CaseNumber(required=True)]),
                             "level": choice(_l("Rating"), LEVELS),
                             "channel": choice(_l("Channel"), CHANNELS)}


class ShownText(Field):
    """A text of the record shown on its edit form — what is being answered — and never
    written from it: whatever a request posts under its name is ignored."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        super().__init__(label, widget=self._show, **kwargs)

    @staticmethod
    def _show(field: Any, **kwargs: Any) -> Markup:
        return Markup('<p class="form-control-static portal-shown-text" id="{}">{}</p>').format(
            field.id, field.object_data or "")

    def process_formdata(self, valuelist: Any) -> None:
        self.data = self.object_data

    def populate_obj(self, obj: Any, name: str) -> None:
        return None


def replied(item: Any) -> bool:
    """Stamp who answered and when, from the server, when a save changed the public reply
    (asked before anything flushes the session: the change is then history)."""
    changed = inspect(item).attrs.reply.history.has_changes()
    if changed and (item.reply or "").strip():
        item.replied_at, item.replied_by = servertime.now(), current_user.username
    elif changed:
        item.reply, item.replied_at, item.replied_by = None, None, None
    return changed


class ComplaintScreen(RecordScreen):
    add_form_extra_fields = {"case_number": StringField(_l("Case number (if any)"),
                                                        widget=BS3TextFieldWidget(),
                                                        validators=[CaseNumber(required=False)]),
                             "channel": choice(_l("Channel"), CHANNELS)}
    edit_form_extra_fields = {"content": ShownText(_l("Complaint")),
                              "outcome": choice(_l("Outcome"), COMPLAINT_OUTCOMES)}
    validators_columns = {"window": [DataRequired()], "clerk": [Optional(), KnownUser()],
                          "reply": [Optional(), Length(max=REPLY_MOST)]}

    def pre_update(self, item: Any) -> None:
        replied(item)  # first: placing the record loads its window, which flushes the change
        super().pre_update(item)


class ConsultationScreen(PortalModelView):
    """网上咨询: the sub-center's clerks and manager write the reply; who and when are set by
    the server, and a question with a reply is answered (shown on the public lookup)."""

    edit_form_extra_fields = {"question": ShownText(_l("Question"))}
    validators_columns = {"reply": [DataRequired(), Length(max=REPLY_MOST)]}

    def pre_update(self, item: Any) -> None:
        replied(item)
        item.state = ANSWERED if item.reply else OPEN


class FollowUpScreen(PortalModelView):
    """回访整改: the manager records the call-back, then the rectification; who and when are set
    by the server, and a task with its rectification recorded is closed."""

    validators_columns = {"callback": [DataRequired()]}

    def pre_update(self, item: Any) -> None:
        now = servertime.now()
        if item.callback and item.called_at is None:
            item.called_at, item.called_by = now, current_user.username
        if (item.rectification or "").strip() and item.closed_at is None:
            item.closed_at, item.closed_by = now, current_user.username


class InspectionScreen(RecordScreen):
    # the norm as a field of its own: FAB puts Optional() first on a nullable column, which would
    # skip the check that a 服务规范 finding names its norm
    add_form_extra_fields = {"kind": choice(_l("Kind"), INSPECTION_KINDS),
                             "norm": StringField(_l("Service norm"), widget=BS3TextFieldWidget(),
                                                 validators=[NormCode()])}
    validators_columns = {"window": [DataRequired()],
                          "deduction": [DataRequired(), NumberRange(min=0.5, max=20)],
                          "clerk": [Optional(), KnownUser()]}
