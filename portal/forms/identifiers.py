"""Identifiers with check characters: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100).

What a clerk's input method produces is normalised first (full-width digits and letters, a
lower-case x, spaces): the value checked and stored is half-width, in capitals, without spaces.

python-stdnum does the arithmetic (the MOD 11-2 check digit of ``cn.ric``, the MOD 31 check of
``cn.uscc``), and nothing else:

- ``cn.ric.validate`` also refuses a number whose county code did not exist yet in the holder's
  birth year, and raises ``KeyError`` for codes it knows only at province level. People keep the
  number of the place that issued it for life, and counties are renamed, merged and created (句容
  became 321183 in 1995; its residents born in 1958 carry it). So a number is checked as GB 11643
  says: a province code, a real birth date, the check digit — the county is never a reason to
  refuse it.
- ``cn.uscc.validate`` accepts only digits in the first eight characters, which refuses codes of
  registration authorities such as 中央军委改革和编制办公室 (A), 农业 (N) and 其他 (Y); the
  authority table below is GB 32100-2015 附录A with its amendments.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from types import MappingProxyType

from flask_babel import lazy_gettext as _l
from stdnum.cn import ric, uscc

from portal.core import servertime

# 登记管理部门码 -> (name, {机构类别码: name})
AUTHORITIES = MappingProxyType({
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体",
                       "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                       "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构",
                   "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织",
                   "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
})

_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


# GB/T 2260 provinces (省级行政区划代码); 71 台湾, 81 香港, 82 澳门; 83: residence permits of
# Taiwan residents (港澳台居民居住证 use 81, 82, 83 with the same layout)
PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
                       "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                       "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"})
OLDEST = 130  # years: a birth date further back is a typing mistake


def normalised(text: str) -> str:
    """What an input method typed, as the identifier is stored: NFKC (full-width １２３ and Ｘ
    become 123 and X), capitals, no spaces anywhere."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


class InvalidIdentifier(ValueError):
    """The identifier is wrong; ``args[0]`` is the message for the clerk (translated lazily)."""


def organization_check(body: str) -> str:
    """GB 11714 check character of an eight-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_uscc(text: str) -> str:
    """The code in capitals, or :class:`InvalidIdentifier` saying which part is wrong."""
    code = normalised(text)
    if len(code) != 18:
        raise InvalidIdentifier(_l("a unified social credit code has 18 characters"))
    if not _USCC.fullmatch(code):
        raise InvalidIdentifier(_l("a unified social credit code uses digits and capital letters "
                                "except I, O, S, V and Z; characters 3 to 8 are digits"))
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        raise InvalidIdentifier(_l("the first character is no registration authority of GB 32100"))
    if code[1] not in authority[1]:
        raise InvalidIdentifier(_l("the second character is no organisation category of that authority"))
    if code[16] != organization_check(code[8:16]):
        raise InvalidIdentifier(_l("the organisation code inside (characters 9 to 17) "
                                   "has a wrong check character"))
    if code[17] != uscc.calc_check_digit(code[:17]):
        raise InvalidIdentifier(_l("the last character (the check character) does not match"))
    return code


def check_id_card(text: str) -> str:
    """The number half-width with a capital X, or :class:`InvalidIdentifier` saying which part
    is wrong (GB 11643: province, birth date, check digit; the county is not checked)."""
    number = normalised(text)
    if re.fullmatch(r"[0-9]{15}", number):
        raise InvalidIdentifier(_l("a first-generation 15-digit number is no longer valid (since "
                                   "2013): ask for the 18-digit number"))
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise InvalidIdentifier(_l("a resident identity card number has 17 digits and a check digit or X"))
    if number[:2] not in PROVINCES:
        raise InvalidIdentifier(_l("the first two digits are no province code"))
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(_l("characters 7 to 14 are not a real birth date")) from None
    today = servertime.now().date()
    if born > today:
        raise InvalidIdentifier(_l("the birth date (characters 7 to 14) is in the future"))
    if born.year < today.year - OLDEST:
        raise InvalidIdentifier(_l("the birth date (characters 7 to 14) is more than %(years)s "
                                   "years ago", years=OLDEST))
    if number[17] != ric.calc_check_digit(number):  # (stdnum takes the whole number)
        raise InvalidIdentifier(_l("the check digit (the last character) does not match"))
    return number
