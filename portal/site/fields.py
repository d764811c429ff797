"""marshmallow fields whose every error message carries a problem code.

A message is code, text and hint joined by an ASCII unit separator, e.g.
``E021 · must be a whole number ≥ 0, got 'two' · write it in digits``; :func:`split_message`
splits it again.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate

from portal.core.text import did_you_mean, region_name

_SEP = "\x1f"  # ASCII unit separator: never typed into a declaration


def msg(code: str, text: str, hint: str = "") -> str:
    return f"{code}{_SEP}{text}{_SEP}{hint}"


def split_message(message: str) -> tuple[str, str, str]:
    code, sep, rest = message.partition(_SEP)
    if not sep:
        return "E025", message, ""
    text, _, hint = rest.partition(_SEP)
    return code, text, hint


_COMMON = {
    "required": msg("E011", "required key is missing"),
    "null": msg("E030", "must not be empty", "give a value or remove the key"),
    "validator_failed": msg("E025", "invalid value"),
}


class Text(fields.String):
    """Non-empty text."""

    default_error_messages = {
        **_COMMON,
        "invalid": msg("E020", "must be text, got {input!r}",
                       "put the value in quotes if YAML reads it as a number, date or yes/no"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value)
        text = value
        if not text.strip():
            raise ValidationError(msg("E030", "must not be empty", "write the text or remove the key"))
        return text


class Whole(fields.Integer):
    """A whole number ≥ 0 (working days, copies …)."""

    default_error_messages = {
        **_COMMON,
        "invalid": msg("E021", "must be a whole number ≥ 0, got {input!r}", "write it in digits, e.g. 2"),
        "too_large": msg("E021", "number too large: {input!r}"),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if number < 0:
            raise self.make_error("invalid", input=value)
        return number


class Positive(Whole):
    """A whole number ≥ 1 (an appointment period's places, how many days ahead bookings open)."""

    def __init__(self, hint: str = "write 1 or more", **kwargs: Any) -> None:
        self.hint = hint
        super().__init__(**kwargs)

    def _validated(self, value: Any) -> int:
        number = fields.Integer._validated(self, value)
        if number is not None and number < 1:
            raise ValidationError(msg("E101", f"must be at least 1, got {value!r}", self.hint))
        return number


_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)|24:00")


class Time(fields.Field):
    """A time of day ``HH:MM`` (``24:00`` ends a day), kept as text with two-digit hours."""

    default_error_messages = {**_COMMON}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 13:30 as the sexagesimal number 810
            raise ValidationError(msg("E102", f"{value!r} is not a time of day",
                                      "quote the time, e.g. '13:30': unquoted, YAML reads 13:30 as a number"))
        text = value.strip() if isinstance(value, str) else ""
        if not _TIME.fullmatch(text):
            raise ValidationError(msg("E102", f"{value!r} is not a time of day",
                                      "write HH:MM in quotes, e.g. '08:30'"))
        hours, _, minutes = text.partition(":")
        return f"{int(hours):02d}:{minutes}"


class YesNo(fields.Boolean):
    """Only YAML's true/false (yes/no); no guessing from other strings."""

    default_error_messages = {
        **_COMMON,
        "invalid": msg("E022", "must be yes or no, got {input!r}", "write true or false"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class Choice(Text):
    """Text out of a fixed list, with a did-you-mean hint."""

    def __init__(self, choices: Iterable[str], **kwargs: Any) -> None:
        self.choices = tuple(choices)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text not in self.choices:
            hint = did_you_mean(text, self.choices) or "allowed: " + ", ".join(self.choices)
            raise ValidationError(msg("E025", f"{text!r} is not allowed",
                                      hint))
        return text


class Code(Text):
    """An identifier: lower-case ``mz-dibao`` for items and sub-centers, ``MZ01`` for windows."""

    FORMS = {
        "lower": (re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*"),
                  "lower-case letters, digits and '-' starting with a letter, e.g. 'mz-dibao'"),
        "upper": (re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*"),
                  "upper-case letters and digits starting with a letter, e.g. 'MZ01'"),
        "norm": (re.compile(r"[A-Z]{1,3}\d{2,3}"), "letters then digits, e.g. 'N01'"),
        "field": (re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"),
                  "lower-case letters, digits and '_' starting with a letter, e.g. 'per_capita'"),
    }

    def __init__(self, form: str = "lower", **kwargs: Any) -> None:
        self.form = form
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        pattern, hint = self.FORMS[self.form]
        if len(text) > 40 or not pattern.fullmatch(text):
            raise ValidationError(msg("E027", f"code {text!r} has the wrong form", hint))
        return text


_PHONE = re.compile(
    r"0\d{2,3}-\d{7,8}(?:-\d{1,6})?"  # landline with area code, optional extension
    r"|1[3-9]\d{9}"  # mobile
    r"|12\d{3}"  # government hotlines: 12345, 12333, 12315 …
    r"|[48]00-?\d{3}-?\d{4}"  # 400/800 numbers
)


def is_phone(text: str) -> bool:
    """Is ``text`` a phone number as the declarations write them (a landline with its area
    code, a mobile, a 12xxx hotline, a 400/800 number)?"""
    return _PHONE.fullmatch(text) is not None


class Phone(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _PHONE.fullmatch(text):
            raise ValidationError(msg("E028", f"{text!r} is not a phone number",
                                      "landline as 0511-87280000, mobile as 13800000000, or a 12xxx hotline"))
        return text


class RegionCode(Text):
    """A six-digit GB/T 2260 code known to python-stdnum's region database."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not region_name(text):
            raise ValidationError(msg("E029", f"{text!r} is not a GB/T 2260 region code",
                                      "six digits, e.g. '321183' for 句容市; quote it"))
        return text


class TimeZone(Text):
    """An IANA time zone name, e.g. 'Asia/Shanghai'."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(msg("E025", f"{text!r} is not a time zone",
                                      "an IANA name such as 'Asia/Shanghai'")) from None
        return text


class Limit(fields.Field):
    """A field's lower or upper limit: a number, a date (kept as ISO text) or 'today'."""

    default_error_messages = {
        **_COMMON,
        "invalid": msg("E021", "must be a number, a date or 'today', got {input!r}",
                       "e.g. 0, 99.5, 2000-01-01 or today"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            if value == "today":
                return value
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise self.make_error("invalid", input=value)


class Year(Whole):
    """A calendar year as a mapping key: 2027 or '2027', kept as text like every JSON key."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and re.fullmatch(r"\d{4}", value):
            value = int(value)
        year = super()._deserialize(value, attr, data, **kwargs)
        if not 2000 <= year <= 2100:
            raise ValidationError(msg("E026", f"{value!r} is not a year", "write it as 2027"))
        return str(year)


class Date(fields.Field):
    """A calendar day: YAML date or 'YYYY-MM-DD'; kept as ISO text."""

    default_error_messages = {
        **_COMMON,
        "invalid": msg("E026", "{input!r} is not a date", "write YYYY-MM-DD, e.g. 2027-02-06"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return parse_day(value, self).isoformat()


def parse_day(value: Any, field: fields.Field) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise field.make_error("invalid", input=value)


class DaySpan(Date):
    """One day or an inclusive range 'YYYY-MM-DD..YYYY-MM-DD'."""

    default_error_messages = {
        "invalid": msg("E026", "{input!r} is not a date or date range",
                       "write YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and ".." in value:
            first, _, last = value.partition("..")
            start, end = parse_day(first, self), parse_day(last, self)
            if end < start:
                raise self.make_error("invalid", input=value)
            return f"{start.isoformat()}..{end.isoformat()}"
        return parse_day(value, self).isoformat()


class Pattern(Text):
    """A naming pattern such as '{city}政务服务{name}分中心'."""

    def __init__(self, placeholders: Iterable[str], **kwargs: Any) -> None:
        self.placeholders = set(placeholders)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ValidationError(msg("E031", f"pattern {text!r} is malformed: {exc}",
                                      "placeholders are written {name}")) from exc
        unknown = names - self.placeholders
        if unknown:
            known = " and ".join("{" + p + "}" for p in sorted(self.placeholders))
            raise ValidationError(msg("E031", f"unknown placeholder {{{sorted(unknown)[0]}}}",
                                      f"use {known}"))
        if "name" not in names:
            raise ValidationError(msg("E031", f"pattern {text!r} has no {{name}}",
                                      "the sub-center's own part goes where {name} stands"))
        return text


class Regex(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            re.compile(text)
        except re.error as exc:
            raise ValidationError(msg("E031", f"name rule is not a valid regular expression: {exc}")) from exc
        return text


class List(fields.List):
    default_error_messages = {
        **_COMMON,
        "invalid": msg("E023", "must be a list, got {input!r}", "write one '- ' line per entry"),
    }

    def __init__(self, inner: fields.Field, non_empty: bool = False, **kwargs: Any) -> None:
        if non_empty:
            kwargs["validate"] = validate.Length(
                min=1, error=msg("E030", "must not be empty", "give at least one entry"))
        super().__init__(inner, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if not isinstance(value, list):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class Nested(fields.Nested):
    default_error_messages = {**_COMMON, "type": msg("E024", "must be a mapping of keys, got {input!r}")}


class Dict(fields.Dict):
    default_error_messages = {**_COMMON, "invalid": msg("E024", "must be a mapping of keys, got {input!r}")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)
