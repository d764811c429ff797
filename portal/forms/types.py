"""The one conversion table: a field type -> its keys, WTForms field, value kind and JSON form.

Adding a field type is one row here plus its tests. Messages are English msgids
with their Simplified Chinese translation in portal/translations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from wtforms import fields as wf
from wtforms import validators as wv
from wtforms import widgets
from wtforms.fields.choices import Choice, SelectChoice

from portal.core.text import region_name
from portal.forms import expr
from portal.forms.identifiers import InvalidIdentifier, check_id_card, check_uscc

if TYPE_CHECKING:
    from portal.forms.spec import FieldSpec

Maker = Callable[["FieldSpec", list[Any]], Any]  # (field, its validators) -> unbound WTForms field


@dataclass(frozen=True)
class FieldType:
    name: str
    label: str  # shown in the designer's type list
    kind: str  # the value's kind in expressions
    make: Maker
    keys: frozenset[str] = frozenset()  # declaration keys this type takes beyond the common ones
    needs: frozenset[str] = frozenset()  # of those, the ones it cannot do without
    check: Callable[[FieldSpec], list[Any]] | None = None  # extra validators from the declaration
    dump: Callable[[Any], Any] = lambda v: v  # Python value -> JSON
    load: Callable[[Any], Any] = lambda v: v  # JSON -> Python value
    # the most characters one typed value may have (``max_length`` where the type takes it):
    # longer input is cut there before any other check and never echoed back whole
    most: int | None = 64


# --- validators with Chinese messages --------------------------------------------------------

class Pattern:
    def __init__(self, pattern: str, message: Any) -> None:
        self.pattern, self.message = re.compile(pattern), message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and not self.pattern.fullmatch(field.data):
            raise wv.ValidationError(self.message)


class Identifier:
    def __init__(self, check: Callable[[str], str]) -> None:
        self.check = check

    def __call__(self, form: Any, field: Any) -> None:
        if not field.data:
            return
        try:
            field.data = self.check(field.data)
        except InvalidIdentifier as exc:
            raise wv.ValidationError(exc.args[0]) from None


def _region(form: Any, field: Any) -> None:
    if field.data and not region_name(field.data):
        raise wv.ValidationError(_l("not a region code of GB/T 2260 (six digits, e.g. 321183)"))


def _text_limits(f: FieldSpec) -> list[Any]:
    most = int(f.get("max_length", TYPES[f.type].most))
    least = int(f.get("min_length", 0))
    return [wv.Length(min=least, max=most,
                      message=_l("between %(min)d and %(max)d characters") if least
                      else _l("at most %(max)d characters"))]


def _number_limits(f: FieldSpec) -> list[Any]:
    low, high = f.get("min"), f.get("max")
    if low is None and high is None:
        return []
    low = None if low is None else Decimal(str(low))
    high = None if high is None else Decimal(str(high))
    if low is not None and high is not None:
        message = _l("must be between %(min)s and %(max)s")
    elif low is not None:
        message = _l("must be at least %(min)s")
    else:
        message = _l("must be at most %(max)s")
    return [wv.NumberRange(min=low, max=high, message=message)]


class _DateLimits:
    def __init__(self, f: FieldSpec) -> None:
        self.low, self.high = f.get("min"), f.get("max")

    def __call__(self, form: Any, field: Any) -> None:
        day = field.data
        if day is None:
            return
        if self.low and day < _date(self.low):
            raise wv.ValidationError(_l("must not be before %(day)s") % {"day": self.low})
        if self.high and day > _date(self.high):
            raise wv.ValidationError(_l("must not be after %(day)s") % {"day": self.high})


class Places:
    """At most ``places`` decimals: 12.345 元 is a typing mistake, not 12.35 元."""

    def __init__(self, places: int) -> None:
        self.places = places

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, Decimal) and field.data.as_tuple().exponent < -self.places:
            raise wv.ValidationError(_l("at most %(places)d decimal places") % {"places": self.places})


def _places(f: FieldSpec) -> int:
    return 2 if f.type == "money" else int(f.get("decimals", 2))


def _date(value: str) -> dt.date:
    return dt.date.today() if value == "today" else dt.date.fromisoformat(value)


# --- fields ---------------------------------------------------------------------------------

def _string(widget: Any = None, input_type: str | None = None) -> Maker:
    def make(f: FieldSpec, validators: list[Any]) -> Any:
        kwargs: dict[str, Any] = {"filters": [_strip]}
        if widget is not None:
            kwargs["widget"] = widget
        field = wf.StringField(f.label, validators, description=f.help, **kwargs)
        if input_type:
            field.kwargs["render_kw"] = {"type": input_type}
        return field
    return make


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _integer(f: FieldSpec, validators: list[Any]) -> Any:
    return wf.IntegerField(f.label, validators, description=f.help,
                           render_kw={"inputmode": "numeric"})


def _decimal(places: int | None) -> Maker:
    def make(f: FieldSpec, validators: list[Any]) -> Any:
        digits = places if places is not None else int(f.get("decimals", 2))
        return wf.DecimalField(f.label, validators, places=digits, description=f.help,
                               render_kw={"inputmode": "decimal"})
    return make


def _choices(f: FieldSpec) -> list[SelectChoice]:
    return [SelectChoice(o) for o in f.get("options", ())]


def _choice(f: FieldSpec, validators: list[Any]) -> Any:
    choices = [SelectChoice("", "—"), *_choices(f)]
    if f.get("widget") == "radio":
        return wf.RadioField(f.label, validators, choices=_choices(f), description=f.help,
                             validate_choice=True)
    return wf.SelectField(f.label, validators, choices=choices, description=f.help,
                          validate_choice=False)


def _multichoice(f: FieldSpec, validators: list[Any]) -> Any:
    return wf.SelectMultipleField(f.label, validators, choices=_choices(f), description=f.help,
                                  widget=widgets.ListWidget(prefix_label=False),
                                  option_widget=widgets.CheckboxInput(), validate_choice=True)


class YesNoField(wf.RadioField):
    """是 / 否 as True / False; unanswered stays None (a checkbox could not tell)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["choices"] = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        value = valuelist[0] if valuelist else ""
        self.data = {"yes": True, "no": False}.get(value)

    def process_data(self, value: Any) -> None:
        self.data = value if isinstance(value, bool) else None

    def _value(self) -> str:
        return {True: "yes", False: "no"}.get(self.data, "")

    def iter_choices(self) -> Any:
        for choice in self.choices:
            yield Choice(choice.value, choice.label, self._value() == choice.value, {})

    def pre_validate(self, form: Any) -> None:
        pass


def _yesno(f: FieldSpec, validators: list[Any]) -> Any:
    return YesNoField(f.label, validators, description=f.help)


def _date_field(f: FieldSpec, validators: list[Any]) -> Any:
    return wf.DateField(f.label, validators, description=f.help)


def _datetime_field(f: FieldSpec, validators: list[Any]) -> Any:
    return wf.DateTimeLocalField(f.label, validators, description=f.help,
                                 format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


def _upload(f: FieldSpec, validators: list[Any]) -> Any:
    accept = ",".join("." + e for e in f.get("accept", ()))
    return wf.MultipleFileField(f.label, validators, description=f.help,
                                render_kw={"accept": accept} if accept else {})


def _table(f: FieldSpec, validators: list[Any]) -> Any:
    from portal.forms.build import row_form  # build imports this module's type table

    return wf.FieldList(wf.FormField(row_form(f)), f.label, validators,
                        min_entries=int(f.get("min_rows", 0) or 0), description=f.help)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _decimal_text(value: Any) -> Any:
    return None if value is None else str(value)


def _money_text(value: Any) -> Any:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _decimal_load(value: Any) -> Any:
    return None if value is None else Decimal(str(value))


def _date_load(value: Any) -> Any:
    return None if value is None else dt.date.fromisoformat(value)


def _datetime_load(value: Any) -> Any:
    return None if value is None else dt.datetime.fromisoformat(value)


_CHOICE_KEYS = frozenset({"options", "dictionary", "widget"})
_NUMBER_KEYS = frozenset({"min", "max"})

_ROWS = (
    FieldType("text", "单行文字", expr.TEXT, _string(),
              frozenset({"max_length", "min_length", "placeholder"}),
              check=_text_limits, most=200),
    FieldType("textarea", "多行文字", expr.TEXT, lambda f, v: wf.TextAreaField(
        f.label, v, description=f.help, filters=[_strip]),
              frozenset({"max_length", "min_length"}), check=_text_limits, most=2000),
    FieldType("integer", "整数", expr.NUMBER, _integer, _NUMBER_KEYS, check=_number_limits,
              dump=lambda v: v, load=lambda v: v),
    FieldType("decimal", "小数", expr.NUMBER, _decimal(None), _NUMBER_KEYS | {"decimals"},
              check=lambda f: [Places(_places(f)), *_number_limits(f)], dump=_decimal_text,
              load=_decimal_load),
    FieldType("money", "金额（元）", expr.NUMBER, _decimal(2), _NUMBER_KEYS,
              check=lambda f: [Places(2), *_number_limits(f)], dump=_money_text, load=_decimal_load),
    FieldType("date", "日期", expr.DATE, _date_field, frozenset({"min", "max"}),
              check=lambda f: [_DateLimits(f)], dump=_iso, load=_date_load),
    FieldType("datetime", "日期时间", expr.DATETIME, _datetime_field, dump=_iso,
              load=_datetime_load),
    FieldType("choice", "单选", expr.TEXT, _choice, _CHOICE_KEYS, most=None),
    FieldType("multichoice", "多选", expr.LIST, _multichoice, _CHOICE_KEYS - {"widget"},
              load=lambda v: list(v or []), most=None),
    FieldType("yesno", "是/否", expr.BOOL, _yesno, most=None),
    FieldType("id_card", "居民身份证号码", expr.TEXT, _string(),
              check=lambda f: [Identifier(check_id_card)]),
    FieldType("uscc", "统一社会信用代码", expr.TEXT, _string(),
              check=lambda f: [Identifier(check_uscc)]),
    FieldType("mobile", "手机号码", expr.TEXT, _string(input_type="tel"),
              check=lambda f: [Pattern(r"1[3-9]\d{9}",
                                       _l("a mobile number has 11 digits, e.g. 13812345678"))]),
    FieldType("landline", "固定电话", expr.TEXT, _string(input_type="tel"),
              check=lambda f: [Pattern(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?",
                                       _l("a landline number with its area code, e.g. 0511-87280000"))]),
    FieldType("email", "电子邮箱", expr.TEXT, _string(input_type="email"),
              check=lambda f: [wv.Email(message=_l("not an e-mail address"),
                                        check_deliverability=False)], most=254),
    FieldType("postcode", "邮政编码", expr.TEXT, _string(),
              check=lambda f: [Pattern(r"\d{6}", _l("a postcode has six digits"))]),
    FieldType("region", "行政区划", expr.TEXT, _string(), check=lambda f: [_region]),
    FieldType("address", "地址", expr.TEXT, _string(), frozenset({"max_length"}),
              check=_text_limits, most=200),
    FieldType("upload", "上传材料", expr.FILES, _upload,
              frozenset({"material", "accept", "max_size_mb", "max_files"}), frozenset({"material"}),
              load=lambda v: list(v or []), most=None),
    FieldType("table", "重复表格", expr.TABLE, _table,
              frozenset({"columns", "min_rows", "max_rows"}), frozenset({"columns"}),
              load=lambda v: list(v or []), most=None),
)

TYPES: Mapping[str, FieldType] = MappingProxyType({row.name: row for row in _ROWS})

# Keys every field may have, whatever its type.
COMMON_KEYS = frozenset({"name", "label", "type", "required", "help", "locked", "list",
                         "applicant", "staff_only", "visible_if", "required_if", "readonly_if",
                         "compute"})
# Types whose value a form may compute instead of the clerk typing it.
COMPUTABLE = ("text", "integer", "decimal", "money", "date", "yesno")
# Types a table column may have: no tables in tables, no uploads in rows.
COLUMN_TYPES = tuple(name for name in TYPES if name not in ("table", "upload"))
