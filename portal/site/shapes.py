"""The shape of each declaration file, as marshmallow schemas (first pass).

Loading returns the normalised document (defaults filled in, dates as ISO text); that
document is what gets published and hashed, and what ``portal export`` writes back.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from marshmallow import RAISE, Schema

from portal.site import fields as f
from portal.site.metrics import SUBJECT_NAMES
from portal.site.tables import (
    APPLICANT_PARTS,
    CASE_TYPES,
    FIELD_TYPES,
    FREE,
    ITEM_CLASSES,
    ITEM_TYPES,
    LOCKED,
    MATERIAL_SOURCES,
    POLICY,
    PROPERTY_TYPES,
    STEP_ROLES,
    SUBCENTER_KINDS,
    TIGHTEN,
    WEEKDAYS,
)


class Shape(Schema):
    """Base: unknown keys are problems, and schema-level errors carry codes."""

    class Meta:
        unknown = RAISE
        ordered = True

    error_messages = {
        "unknown": f.msg("E010", "unknown key"),
        "type": f.msg("E024", "must be a mapping of keys"),
    }


# --- center -------------------------------------------------------------------------------

class NamingRule(Shape):
    pattern = f.Pattern(("city", "name"), required=True)
    name_rule = f.Regex(load_default=r"^[\u4e00-\u9fa5]{1,12}$")


class Naming(Shape):
    subcenter = f.Nested(NamingRule, required=True)
    town_center = f.Nested(NamingRule, required=True)


class Norm(Shape):
    code = f.Code("norm", required=True)
    name = f.Text(required=True)
    text = f.Text(required=True)


class StandardItem(Shape):
    """One item of the town centers' building standard (十个有: 有场所, 有牌子 …)."""

    code = f.Code("norm", required=True)
    name = f.Text(required=True)
    text = f.Text(required=True)


class HolidayYear(Shape):
    holidays = f.List(f.DaySpan(), required=True, non_empty=True)
    workdays = f.List(f.Date(), load_default=list)
    note = f.Text()


class ItemProperty(Shape):
    """A property the center adds to every item of its catalog (e.g. 是否跨省通办)."""

    label = f.Text(required=True)
    type = f.Choice(PROPERTY_TYPES, required=True)
    options = f.List(f.Text())
    required = f.YesNo(load_default=False)


class CaseNumber(Shape):
    """办件编号: a pattern of {subcenter} {window} {date} {year} {seq}, e.g. '{subcenter}{date}{seq}'."""

    pattern = f.Text(required=True)
    digits = f.Whole(load_default=4)  # the sequence, zero-padded
    reset = f.Choice(("day", "year"), load_default="day")  # the sequence starts again at 1


class Lights(Shape):
    """电子监察 lights: yellow when this few working days are left (red: past the due date)."""

    yellow_days_left = f.Whole(load_default=2)


class Evaluations(Shape):
    """好差评: a 不满意/非常不满意 rating opens a 回访整改 task due in this many working days."""

    follow_up_days = f.Whole(load_default=15)


class PointRule(Shape):
    """One line of the score: points from a formula over the metrics, capped in size."""

    name = f.Text(required=True)
    formula = f.Text(required=True)
    cap = f.Whole()  # the most points this line may add or take away


class Awards(Shape):
    """流动红旗: the top ``red_flags`` subjects of a quarter scoring at least ``min_score``."""

    red_flags = f.Whole(required=True)
    min_score = f.Whole(required=True)


class RuleSet(Shape):
    """统一考核监督: the center's rules, the same for every sub-center (locked)."""

    name = f.Text(required=True)
    subject = f.Choice(tuple(SUBJECT_NAMES), load_default="window")
    base = f.Whole(required=True)
    ceiling = f.Whole(required=True)
    derived = f.Dict(keys=f.Code("field"), values=f.Text(), load_default=dict)
    points = f.List(f.Nested(PointRule), required=True, non_empty=True)
    awards = f.Nested(Awards)


class Center(Shape):
    code = f.Code(required=True)
    name = f.Text(required=True)
    city = f.Text(required=True)
    region_code = f.RegionCode(required=True)
    address = f.Text()
    phone = f.Phone()
    time_zone = f.TimeZone()  # the center's days and months; Asia/Shanghai when absent
    naming = f.Nested(Naming, required=True)
    service_norms = f.List(f.Nested(Norm), required=True, non_empty=True)
    # 十个有: the checklist the center inspects each town center against (optional: a center
    # without town centers needs none; a town center without it is schema.W007)
    town_standard = f.List(f.Nested(StandardItem), non_empty=True)
    holidays = f.Dict(keys=f.Year(), values=f.Nested(HolidayYear), load_default=dict)
    overlay_policy = f.Dict(keys=f.Choice(POLICY), values=f.Choice((LOCKED, TIGHTEN, FREE)),
                            load_default=dict)
    item_properties = f.Dict(keys=f.Code(), values=f.Nested(ItemProperty), load_default=dict)
    # named option lists shared by every form (民族, 与申请人关系 …): `dictionary: relation`
    dictionaries = f.Dict(keys=f.Code("field"), values=f.List(f.Text(), non_empty=True),
                          load_default=dict)
    case_number = f.Nested(CaseNumber, load_default=lambda: {
        "pattern": "{subcenter}{date}{seq}", "digits": 4, "reset": "day"})
    lights = f.Nested(Lights, load_default=lambda: {"yellow_days_left": 2})
    evaluations = f.Nested(Evaluations, load_default=lambda: {"follow_up_days": 15})
    assessment = f.Nested(RuleSet)


# --- items --------------------------------------------------------------------------------

class LegalBasis(Shape):
    name = f.Text(required=True)
    article = f.Text()


class Material(Shape):
    name = f.Text(required=True)
    source = f.Choice(MATERIAL_SOURCES, load_default="申请人自备")
    originals = f.Whole(load_default=1)
    copies = f.Whole(load_default=0)
    required = f.YesNo(load_default=True)
    note = f.Text()


class Step(Shape):
    name = f.Text(required=True)
    role = f.Choice(STEP_ROLES, required=True)
    days = f.Whole(required=True)
    # finishing the step needs a written opinion (审核意见, 决定意见); absent: a manager's step
    # does (审核, 决定), a clerk's does not — see ``needs_opinion``
    opinion = f.YesNo()


class Extension(Shape):
    """延长办理期限: at most ``days`` more working days, approved by ``approver`` (not the asker)."""

    days = f.Whole(required=True)
    approver = f.Choice(STEP_ROLES, load_default="manager")


class Branch(Shape):
    """并联审批: one branch of a bundle item, decided by the sub-center that offers that item."""

    item = f.Code(required=True)
    subcenter = f.Code(required=True)


class Fee(Shape):
    charged = f.YesNo(required=True)
    basis = f.Text()
    standard = f.Text()


class Result(Shape):
    name = f.Text(required=True)
    template = f.Code()


class Contact(Shape):
    where = f.Text()
    when = f.Text()
    phones = f.List(f.Phone(), required=True, non_empty=True)


class Item(Shape):
    """One service item (事项) of the center's catalog: GB/T 39046-2020 Table 4 elements."""

    code = f.Code(required=True)
    name = f.Text(required=True)
    keywords = f.List(f.Text())  # what applicants and clerks call it (低保 for 最低生活保障)
    type = f.Choice(ITEM_TYPES, required=True)
    department = f.Text(required=True)
    # the seven disclosures: optional here, so a missing one gets its own code (E050)
    legal_basis = f.List(f.Nested(LegalBasis))
    conditions = f.List(f.Text())
    materials = f.List(f.Nested(Material))
    steps = f.List(f.Nested(Step))
    case_type = f.Choice(CASE_TYPES, required=True)
    legal_days = f.Whole()
    promised_days = f.Whole()
    extension = f.Nested(Extension)
    parallel = f.List(f.Nested(Branch))
    fee = f.Nested(Fee)
    completion = f.Text()
    result = f.Nested(Result, required=True)
    consultation = f.Nested(Contact, required=True)
    supervision = f.Nested(Contact, required=True)
    form = f.Code()
    # values of the center's item_properties; checked against their declared types (E062–E064)
    properties = f.Dict(keys=f.Code())


def _overlay_fields() -> dict[str, Any]:
    """Every item property, optional: the overlay may name any, the layer check decides."""
    out: dict[str, Any] = {}
    for name, field in Item._declared_fields.items():
        if name == "code":
            continue
        clone = copy.copy(field)
        clone.required = False
        out[name] = clone
    return out


# A sub-center's overlay of one catalog item: where it is handled and what it changes.
Offer = Shape.from_dict({
    "item": f.Code(required=True),
    "windows": f.List(f.Code("upper"), required=True, non_empty=True),
    # a town center's item class (即办类 when absent) and, for 代办类, the deciding sub-center
    "class": f.Choice(ITEM_CLASSES),
    "decided_by": f.Code(),
    **_overlay_fields(),
}, name="Offer")


# --- sub-centers --------------------------------------------------------------------------

class Window(Shape):
    code = f.Code("upper", required=True)
    name = f.Text(required=True)
    department = f.Text(required=True)


class Period(Shape):
    """One bookable period of a day: a whole day, a half-day (上午/下午) or an hour."""

    name = f.Text()  # 上午, 下午, 全天 …; the times alone when absent
    start = f.Time(required=True)
    end = f.Time(required=True)
    capacity = f.Positive(required=True, hint="give the period 1 place or more, "
                                              "or leave the period out")


class Appointments(Shape):
    """网上预约 at one window: its periods on the working days of the center's calendar."""

    window = f.Code("upper", required=True)
    items = f.List(f.Code(), non_empty=True)  # absent: every item the window handles
    weekdays = f.List(f.Choice(WEEKDAYS), non_empty=True)  # absent: every working day
    days_ahead = f.Positive(load_default=7, hint="write how many days ahead bookings open, e.g. 7")
    periods = f.List(f.Nested(Period), required=True, non_empty=True)


class Agent(Shape):
    """A 代办员 of a village point: who they are, and the login bound to them."""

    name = f.Text(required=True)
    title = f.Text(required=True)  # 职务: 村党总支书记, 便民服务代办员 …
    phone = f.Phone(required=True)
    username = f.Code(required=True)  # the login (portal demo-users creates it)


class Village(Shape):
    """A 村级便民服务代办点 of a town center."""

    code = f.Code("upper", required=True)
    name = f.Text(required=True)  # 村名 (蜀山村)
    address = f.Text(required=True)
    agents = f.List(f.Nested(Agent), load_default=list)  # none: schema.W006


class SubCenter(Shape):
    code = f.Code(required=True)
    kind = f.Choice(SUBCENTER_KINDS, load_default="subcenter")
    name = f.Text(required=True)
    department = f.Text(required=True)
    address = f.Text(required=True)
    phone = f.Phone(required=True)
    hours = f.Text(required=True)
    windows = f.List(f.Nested(Window), required=True, non_empty=True)
    items = f.List(f.Nested(Offer), load_default=list)
    # the sub-center's own internal rules: for its windows only, never in the center's ranking
    assessment = f.Nested(RuleSet)
    appointments = f.List(f.Nested(Appointments))  # 网上预约: bookable periods per window
    villages = f.List(f.Nested(Village))  # a town center's 村级便民服务代办点


# --- application forms (forms/) -----------------------------------------------------------

def _field_keys(table: bool) -> dict[str, Any]:
    """The keys of a form field; which ones a type takes is the type table's business (E076)."""
    keys: dict[str, Any] = {
        "name": f.Code("field", required=True),
        "label": f.Text(required=True),
        "type": f.Choice(FIELD_TYPES, required=True),
        "required": f.YesNo(),
        "help": f.Text(),
        "placeholder": f.Text(),
        "locked": f.YesNo(),
        "list": f.YesNo(),
        "applicant": f.Choice(APPLICANT_PARTS),
        "staff_only": f.YesNo(),
        "visible_if": f.Text(),
        "required_if": f.Text(),
        "readonly_if": f.Text(),
        "compute": f.Text(),
        "options": f.List(f.Text(), non_empty=True),
        "dictionary": f.Code("field"),
        "widget": f.Choice(("select", "radio")),
        "min_length": f.Whole(),
        "max_length": f.Whole(),
        "min": f.Limit(),
        "max": f.Limit(),
        "decimals": f.Whole(),
        "material": f.Text(),
        "accept": f.List(f.Code(), non_empty=True),
        "max_size_mb": f.Whole(),
        "max_files": f.Whole(),
    }
    if table:
        keys["columns"] = f.List(f.Nested(Column), non_empty=True)
        keys["min_rows"] = f.Whole()
        keys["max_rows"] = f.Whole()
    return keys


# A column of a repeating table: a field without tables of its own.
Column = Shape.from_dict(_field_keys(table=False), name="Column")
FormField = Shape.from_dict(_field_keys(table=True), name="FormField")


class FormSection(Shape):
    name = f.Code("field", required=True)
    title = f.Text(required=True)
    step = f.Text()
    visible_if = f.Text()
    fields = f.List(f.Nested(FormField), required=True, non_empty=True)


class Form(Shape):
    """The center's base form of one or more items (forms/<code>.yaml)."""

    code = f.Code(required=True)
    title = f.Text(required=True)
    sections = f.List(f.Nested(FormSection), required=True, non_empty=True)


def _optional(shape: type[Shape], name: str, keep: tuple[str, ...] = (),
              **extra: Any) -> type[Shape]:
    """The same keys, each optional: an overlay names only what it adds or changes."""
    out: dict[str, Any] = dict(extra)
    for key, field in shape._declared_fields.items():
        clone = copy.copy(field)
        clone.required = key in keep
        out[key] = clone
    return Shape.from_dict(out, name=name)


# `after`: where a sub-center's own new field goes, after the named field of its section ('^': first)
FieldChange = _optional(FormField, "FieldChange", keep=("name",), after=f.Text())


class SectionChange(Shape):
    name = f.Code("field", required=True)
    after = f.Text()  # where a sub-center's own new section goes: after the named one ('^': first)
    title = f.Text()
    step = f.Text()
    visible_if = f.Text()
    fields = f.List(f.Nested(FieldChange), load_default=list)


class FormOverlay(Shape):
    """A sub-center's additions to a base form (forms/<sub-center>/<code>.yaml)."""

    form = f.Code(required=True)
    sections = f.List(f.Nested(SectionChange), load_default=list)
    remove = f.List(f.Code("field"), load_default=list)


SCHEMAS: dict[str, type[Shape]] = {"center": Center, "subcenter": SubCenter, "item": Item,
                                   "form": Form, "form_overlay": FormOverlay}


@functools.cache
def schema_for(kind: str) -> Shape:
    """One instance per kind: marshmallow builds nested schemas on first use, so reuse it."""
    return SCHEMAS[kind]()
