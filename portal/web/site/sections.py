"""The item detail page: the declaration grouped by the seven disclosures (七公开).

Sections come from the DISCLOSURES table; any other declared property lands under "other"
with its key, so a property the center adds shows up without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from portal.access.roles import ROLE_NAMES
from portal.models import Offering, SubCenter, db
from portal.site.shapes import Item
from portal.site.tables import DISCLOSURES
from portal.web.current import current_site
from portal.web.labels import LABELS

_HEAD = ("code", "name", "type", "case_type")  # already in the record's summary above the tabs
_CONTACT = ("consultation", "supervision")
# optional keys shown with the disclosure they belong to (not required for it: E050 reads
# DISCLOSURES only)
_ALSO = {"办理流程": ("parallel",), "办理期限": ("extension",)}


def _ordered(value: Any, field: Any) -> Any:
    """Nested declarations in the order their shape declares keys (stored JSON is sorted)."""
    inner = getattr(field, "inner", None)
    if isinstance(value, list) and inner is not None:
        return [_ordered(v, inner) for v in value]
    nested = getattr(field, "nested", None)
    if isinstance(value, Mapping) and nested is not None:
        order = list(nested._declared_fields)
        return {k: value[k] for k in sorted(value, key=lambda k: (
            order.index(k) if k in order else len(order), k))}
    return value


def item_sections(record: Any) -> list[tuple[str, list[tuple[str, Any]]]]:
    fields = Item._declared_fields
    data: dict[str, Any] = {k: _ordered(v, fields.get(k)) for k, v in (record.data or {}).items()}
    if isinstance(data.get("steps"), list):  # who acts, by the role's name
        data["steps"] = [{**step, "role": ROLE_NAMES.get(step.get("role"), step.get("role"))}
                         for step in data["steps"]]
    site = current_site()
    if isinstance(data.get("parallel"), list) and site is not None:  # by names, not codes
        data["parallel"] = [{"item": getattr(site.items.get(b["item"]), "name", b["item"]),
                             "subcenter": getattr(site.subcenters.get(b["subcenter"]), "unified_name",
                                                  b["subcenter"])} for b in data["parallel"]]
    if isinstance(data.get("extension"), Mapping):
        approver = data["extension"].get("approver", "manager")
        data["extension"] = {**data["extension"], "approver": ROLE_NAMES.get(approver, approver)}
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    seen = set(_HEAD)
    for title, keys in DISCLOSURES.items():
        also = tuple(k for k in _ALSO.get(title, ()) if data.get(k))
        out.append((title, [(k, data.get(k)) for k in (*keys, *also)]))
        seen.update((*keys, *_ALSO.get(title, ())))
    out.append((gettext("Consultation and supervision"), [(k, data.get(k)) for k in _CONTACT]))
    seen.update(_CONTACT)
    declared = _declared_properties()
    values = data.get("properties") or {}
    if declared:  # the center's own item properties, by their labels, in declared order
        out.append((gettext("Center properties"),
                    [(spec["label"], values.get(key)) for key, spec in declared.items()]))
    seen.add("properties")
    rest = [(k, v) for k, v in data.items() if k not in seen]
    if rest:
        out.append((gettext("Other"), rest))
    return out


def _declared_properties() -> Mapping[str, Any]:
    site = current_site()
    return site.center.get("item_properties", {}) if site is not None else {}


def label(key: str) -> str:
    found = LABELS.get(key)
    return str(found) if found is not None else key


def item_guides(record: Any) -> list[tuple[str, str]]:
    """(sub-center code, unified name) of each visible sub-center offering the item: its guide."""


    rows = db.session.execute(select(SubCenter.code, SubCenter.unified_name).join(
        Offering, Offering.sub_center_id == SubCenter.id).where(
        Offering.item_id == record.id, Offering.active).order_by(SubCenter.code))
    return [(code, name) for code, name in rows]


def item_page(record: Any) -> dict[str, Any]:
    """The item page's data: the declaration by disclosure, and the guides of its offerings."""
    return {"sections": item_sections(record), "guides": item_guides(record)}


def init_app(app: Flask) -> None:
    app.add_template_global(label, "portal_label")
