"""Checks of a town center's item classes (``class:`` of an entry of ``items:``): only a town
center classes its offerings (schema.E113); a 代办类 offering names the sub-center deciding it in
``decided_by``, and no other class does (schema.E114); that sub-center is another one of the
site and offers the item itself (schema.E115). The class values are checked by the shape pass
(schema.E025)."""

from __future__ import annotations

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.site.loader import Loaded
from portal.site.tables import FORWARDED, ON_THE_SPOT


def check_classes(subcenters: dict[str, Loaded]) -> list[Problem]:
    problems: list[Problem] = []
    offers = {code: {o.get("item") for o in sub.data.get("items") or () if isinstance(o, dict)}
              for code, sub in subcenters.items() if sub.usable}
    for sub_code, sub in sorted(subcenters.items()):
        if not sub.usable or not isinstance(sub.data.get("items"), list):
            continue
        town = sub.data.get("kind") == "town_center"
        for i, offer in enumerate(sub.data["items"]):
            if not isinstance(offer, dict):
                continue
            if not town:
                for key in ("class", "decided_by"):
                    if key in offer:
                        problems.append(sub.problem(
                            "schema.E113", ("items", i, key),
                            f"sub-center {sub_code!r} is not a town center and cannot class its items",
                            "item classes (即办类, 代办类, 咨办类) are a town center's, one with "
                            "kind: town_center; remove the key here"))
                continue
            problems += _check_decider(sub, sub_code, i, offer, subcenters, offers)
    return problems


def _check_decider(sub: Loaded, sub_code: str, i: int, offer: dict, subcenters: dict[str, Loaded],
                   offers: dict[str, set]) -> list[Problem]:
    item_class = offer.get("class", ON_THE_SPOT)
    decider = offer.get("decided_by")
    item = offer.get("item")
    if item_class == FORWARDED and decider is None:
        return [sub.problem("schema.E114", ("items", i, "class"),
                            f"代办类 item {item!r} names no sub-center deciding it",
                            "add 'decided_by:' with the code of the sub-center that decides it, "
                            "e.g. 'mz'")]
    if decider is None:
        return []
    if item_class != FORWARDED:
        return [sub.problem("schema.E114", ("items", i, "decided_by"),
                            f"item {item!r} is {item_class}: only a 代办类 item names a 'decided_by'",
                            "remove 'decided_by', or write 'class: 代办类'")]
    if decider == sub_code:
        return [sub.problem("schema.E115", ("items", i, "decided_by"),
                            f"代办类 item {item!r} is decided by this town center itself",
                            "name the department's sub-center that decides it, or make it 即办类")]
    if decider not in subcenters:
        hint = did_you_mean(decider, [c for c in subcenters if c != sub_code]) \
            or "name a sub-center of schema/subcenters/"
        return [sub.problem("schema.E115", ("items", i, "decided_by"),
                            f"no sub-center {decider!r} in the site", hint)]
    if decider in offers and item not in offers[decider]:
        deciders = sorted(code for code, items in offers.items() if item in items and code != sub_code)
        hint = ("it is offered by " + ", ".join(repr(c) for c in deciders) if deciders
                else f"list {item!r} under 'items:' of {decider!r}")
        return [sub.problem("schema.E115", ("items", i, "decided_by"),
                            f"sub-center {decider!r} does not offer item {item!r}", hint)]
    return []
