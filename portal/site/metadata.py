"""The loaded site: read-only metadata the rest of the engine works with."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from portal.core.canonical import canonical_json
from portal.core.heap import big_build
from portal.core.problems import Problem, has_errors
from portal.core.servertime import DEFAULT_ZONE
from portal.forms.spec import FormSpec, form_from
from portal.site.checks import check_folder
from portal.site.layers import merge, merge_form, overlay_keys, overlay_subcenter, resolve, unified_name
from portal.site.loader import Folder, read_folder
from portal.site.tables import FORWARDED, GUIDANCE, ITEM_TYPES, ON_THE_SPOT, SUBCENTER_KINDS


def _frozen(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if kind is list:
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class ItemSpec:
    """One item as published, either the center's or a sub-center's merged view."""

    code: str
    name: str
    type: str
    case_type: str
    legal_days: int
    promised_days: int
    data: Mapping[str, Any]

    @property
    def type_code(self) -> str:
        return ITEM_TYPES[self.type]

    @classmethod
    def from_data(cls, code: str, data: dict[str, Any]) -> ItemSpec:
        return cls.from_frozen(code, _frozen(data))

    @classmethod
    def from_frozen(cls, code: str, data: Mapping[str, Any]) -> ItemSpec:
        return cls(code, data["name"], data["type"], data["case_type"], data["legal_days"],
                   data["promised_days"], data)


@dataclass(frozen=True)
class WindowSpec:
    code: str
    name: str
    department: str
    subcenter: str


@dataclass(frozen=True)
class Offering:
    """An item as one sub-center offers it: merged with its overlay, at its windows."""

    item: ItemSpec
    windows: tuple[str, ...]
    overlay: Mapping[str, Any]
    form: FormSpec | None = None  # the center's base form with this sub-center's additions
    # a town center's item class: 即办类 (decided here, the default), 代办类 (taken here, decided
    # by ``decided_by``), 咨办类 (guidance only: no application, no booking)
    item_class: str = ON_THE_SPOT
    decided_by: str | None = None

    @property
    def guidance_only(self) -> bool:
        return self.item_class == GUIDANCE

    @property
    def forwarded(self) -> bool:
        return self.item_class == FORWARDED


@dataclass(frozen=True)
class SubCenterSpec:
    code: str
    kind: str
    name: str
    unified_name: str
    department: str
    address: str
    phone: str
    hours: str
    windows: tuple[WindowSpec, ...]
    offerings: Mapping[str, Offering]
    assessment: Mapping[str, Any] | None = None  # its own internal rules (outside the center's ranking)
    appointments: tuple[Mapping[str, Any], ...] = ()  # 网上预约: bookable periods per window
    villages: tuple[Mapping[str, Any], ...] = ()  # a town center's village points and their 代办员


@dataclass(frozen=True)
class Site:
    """A whole, checked declaration folder. Build it with :func:`load_site`."""

    center: Mapping[str, Any]
    subcenters: Mapping[str, SubCenterSpec]
    items: Mapping[str, ItemSpec]
    templates: Mapping[str, str]
    forms: Mapping[str, FormSpec]  # the center's base forms, dictionaries resolved
    canonical: str = field(repr=False)  # canonical JSON of every document: what is published
    content_hash: str = ""

    @property
    def name(self) -> str:
        return self.center["name"]

    @functools.cached_property
    def zone(self) -> ZoneInfo:
        """The center's time zone: its calendar days, months and due dates (worked out once:
        every time a page shows is put in it)."""
        return ZoneInfo(self.center.get("time_zone") or DEFAULT_ZONE)

    @property
    def documents(self) -> dict[str, Any]:
        """A fresh, plain copy of the published documents (center, sub-centers, items, templates)."""
        return json.loads(self.canonical)

    def guidance_only(self, sub: str, item: str) -> bool:
        """Whether ``item`` at ``sub`` is 咨办类: guidance only, no application or booking."""
        spec = self.subcenters.get(sub)
        offering = spec.offerings.get(item) if spec is not None else None
        return offering is not None and offering.guidance_only

    def deciders(self, sub: str, item: str) -> list[SubCenterSpec]:
        """Where ``item`` of ``sub`` is decided: ``sub`` itself (即办类), its ``decided_by``
        (代办类), else the other sub-centers deciding it (咨办类), departments' first."""
        offering = self.subcenters[sub].offerings[item]
        if offering.decided_by is not None:
            return [self.subcenters[offering.decided_by]]
        if not offering.guidance_only:
            return [self.subcenters[sub]]
        return [s for code, s in self.subcenters.items() if code != sub and item in s.offerings
                and s.offerings[item].item_class == ON_THE_SPOT]

    def window(self, code: str) -> WindowSpec:
        for sub in self.subcenters.values():
            for window in sub.windows:
                if window.code == code:
                    return window
        raise KeyError(code)


def _sha256(text: str) -> str:
    """The content hash: same declarations, same canonical JSON, same hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@big_build
def load_site(root: Path | str, workers: int | None = None,
              use_cache: bool | str = True) -> tuple[Site | None, list[Problem]]:
    """Read and check a declaration folder. The site is ``None`` when any problem is an error.

    ``workers`` and ``use_cache`` tune only speed (see :func:`read_folder`), never results.
    """
    folder = read_folder(Path(root), workers, use_cache)
    problems = folder.problems + check_folder(folder)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.path, p.code))
    if has_errors(problems):
        return None, problems
    return build_site(folder), problems


def documents_of(folder: Folder) -> dict[str, Any]:
    assert folder.center is not None
    return {
        "center": folder.center.data,
        "subcenters": {s.data["code"]: s.data for s in folder.subcenters},
        "items": {i.data["code"]: i.data for i in folder.items},
        "templates": dict(folder.templates),
        "forms": {f.data["code"]: f.data for f in folder.forms},
        "form_overlays": _overlays(folder),
    }


def _overlays(folder: Folder) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for loaded in folder.form_overlays:
        out.setdefault(overlay_subcenter(loaded), {})[loaded.data["form"]] = loaded.data
    return out


def build_site(folder: Folder) -> Site:
    documents = documents_of(folder)
    return site_from_documents(documents, canonical_json(documents))


@big_build
def site_from_documents(documents: dict[str, Any], canonical: str | None = None) -> Site:
    """Rebuild the metadata from published documents (as stored in the database)."""
    if canonical is None:
        canonical = canonical_json(documents)
    center = documents["center"]
    items = {code: ItemSpec.from_data(code, data) for code, data in sorted(documents["items"].items())}
    dictionaries = center.get("dictionaries", {})
    forms = {code: form_from(resolve(data, dictionaries))
             for code, data in sorted(documents.get("forms", {}).items())}
    overlays = documents.get("form_overlays", {})
    subcenters = {}
    # department sub-centers first, then town centers; each by code
    ordered = sorted(documents["subcenters"].items(),
                     key=lambda kv: (SUBCENTER_KINDS.index(kv[1]["kind"]), kv[0]))
    for code, data in ordered:
        windows = tuple(WindowSpec(w["code"], w["name"], w["department"], code) for w in data["windows"])
        offerings = {}
        for offer in data["items"]:
            overlay = _frozen(offer)
            base = items[offer["item"]]
            if overlay_keys(offer):
                merged = ItemSpec.from_frozen(base.code, MappingProxyType(merge(base.data, overlay)))
            else:
                merged = base
            form_code = merged.data.get("form")
            form = forms.get(form_code) if form_code else None
            if form is not None and form_code in overlays.get(code, {}):
                layered, _, _ = merge_form(documents["forms"][form_code], overlays[code][form_code])
                form = form_from(resolve(layered, dictionaries))
            offerings[offer["item"]] = Offering(merged, tuple(offer["windows"]), overlay, form,
                                                offer.get("class") or ON_THE_SPOT,
                                                offer.get("decided_by"))
        subcenters[code] = SubCenterSpec(
            code, data["kind"], data["name"], unified_name(center, data["kind"], data["name"]),
            data["department"], data["address"], data["phone"], data["hours"], windows,
            MappingProxyType(offerings),
            _frozen(data["assessment"]) if data.get("assessment") else None,
            _frozen(data.get("appointments") or []), _frozen(data.get("villages") or []))
    return Site(_frozen(center), MappingProxyType(subcenters), MappingProxyType(items),
                MappingProxyType(dict(documents["templates"])), MappingProxyType(forms),
                canonical, _sha256(canonical))
