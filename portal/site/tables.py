"""Domain tables the checker applies: item types, the seven disclosures, overlay policy."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

# 事项类型 and their two-digit codes in the national catalogue of government service items.
ITEM_TYPES = MappingProxyType({
    "行政许可": "01",
    "行政处罚": "02",
    "行政强制": "03",
    "行政征收": "04",
    "行政给付": "05",
    "行政检查": "06",
    "行政确认": "07",
    "行政奖励": "08",
    "行政裁决": "09",
    "其他行政权力": "10",
    "公共服务": "20",
})

CASE_TYPES = ("即办件", "承诺件")
INSTANT, PROMISED = CASE_TYPES

MATERIAL_SOURCES = ("申请人自备", "政府部门核发", "中介机构出具", "其他")

# Who acts at a process step (the roles of docs/architecture.md).
STEP_ROLES = ("clerk", "manager")


def needs_opinion(step: Mapping[str, Any]) -> bool:
    """Whether finishing a step needs a written opinion: as the step declares (``opinion``),
    else a manager's step does (审核, 决定) and a clerk's does not."""
    declared = step.get("opinion")
    return bool(declared) if declared is not None else step.get("role") == "manager"

SUBCENTER_KINDS = ("subcenter", "town_center")

# a town center's item classes: 即办类 decided there on the spot (the default), 代办类 taken there
# and forwarded to the sub-center that decides it (``decided_by``), 咨办类 guidance only
ITEM_CLASSES = ("即办类", "代办类", "咨办类")
ON_THE_SPOT, FORWARDED, GUIDANCE = ITEM_CLASSES

# 网上预约: the days of the week an appointment line may be restricted to (ISO order)
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# 七公开 (seed 004): element -> the item keys that disclose it.
DISCLOSURES = MappingProxyType({
    "设立依据": ("legal_basis",),
    "申报条件": ("conditions",),
    "申报材料": ("materials",),
    "办理流程": ("steps",),
    "办理期限": ("legal_days", "promised_days"),
    "办结方式": ("completion",),
    "收费标准": ("fee",),
})

LOCKED, TIGHTEN, FREE = "locked", "tighten", "free"

# Item property -> (default mode, modes the center may choose). A sub-center's overlay may
# change a property only as its mode allows (docs/architecture.md: layers with locks).
POLICY = MappingProxyType({
    "name": (LOCKED, (LOCKED,)),
    "keywords": (FREE, (LOCKED, FREE)),
    "type": (LOCKED, (LOCKED,)),
    "department": (LOCKED, (LOCKED, FREE)),
    "legal_basis": (LOCKED, (LOCKED,)),
    "conditions": (LOCKED, (LOCKED,)),
    "materials": (TIGHTEN, (LOCKED, TIGHTEN)),
    "steps": (TIGHTEN, (LOCKED, TIGHTEN)),
    "case_type": (LOCKED, (LOCKED,)),
    "legal_days": (LOCKED, (LOCKED,)),
    "promised_days": (TIGHTEN, (LOCKED, TIGHTEN)),
    "extension": (LOCKED, (LOCKED,)),
    "parallel": (LOCKED, (LOCKED,)),
    "fee": (LOCKED, (LOCKED,)),
    "completion": (LOCKED, (LOCKED, FREE)),
    "result": (LOCKED, (LOCKED,)),
    "consultation": (FREE, (LOCKED, FREE)),
    "supervision": (FREE, (LOCKED, FREE)),
    "form": (LOCKED, (LOCKED, FREE)),
    "properties": (LOCKED, (LOCKED, FREE)),
})

# Types of the properties a center adds to its item definition (center.yaml item_properties).
PROPERTY_TYPES = ("yesno", "text", "integer", "choice")

# Field types of application forms: the names of portal/forms/types.py's table (the table
# itself needs WTForms; the loader does not). A test keeps the two equal.
FIELD_TYPES = ("text", "textarea", "integer", "decimal", "money", "date", "datetime", "choice",
               "multichoice", "yesno", "id_card", "uscc", "mobile", "landline", "email",
               "postcode", "region", "address", "upload", "table")

# Parts of the case record a form field may fill (shown and searched in case lists).
APPLICANT_PARTS = ("name", "id_number", "phone")
