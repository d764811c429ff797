"""十个有: recording the center's checklist inspection of a town center, and reading its
results — the latest inspection of each town center (its home page), and the findings of the
month's latest inspection (the ``town_standard_missing`` metric and its evidence).

The checklist is the center's ``town_standard`` as published; an inspection keeps each item's
code, name and text as they were checked. Each 缺 (missing item) is a finding and needs its
evidence: photos, a note, or both. The inspector and the day are the caller's to give from the
server (the web layer: the signed-in user and the center's today), never typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.core.errors import N_, PortalError
from portal.models import SubCenter, TownInspection, TownInspectionItem

TOWN_CENTER = "town_center"
NOTE_MOST = 500  # characters of a finding's note, and of the inspection's remark


@dataclass(frozen=True)
class Checked:
    """What the inspector found of one item of the standard."""

    present: bool
    note: str = ""
    photos: Sequence[Mapping[str, Any]] = field(default_factory=tuple)  # what the file store keeps

    @property
    def evidenced(self) -> bool:
        return bool(self.note.strip() or self.photos)


def standard(site: Any) -> list[Mapping[str, Any]]:
    """The center's 十个有 as published (``[]``: none declared)."""
    return list(site.center.get("town_standard") or ()) if site is not None else []


def record(session: Session, site: Any, town: SubCenter, day: dt.date, by: str,
           results: Mapping[str, Checked], note: str = "") -> TownInspection:
    """A new inspection of ``town`` on ``day`` by ``by``: one result for every item of the
    standard, each 缺 with its evidence. Adds it to the session; the caller commits."""
    items = standard(site)
    if town.kind != TOWN_CENTER:
        raise PortalError(N_("%(name)s is not a town service center"),
                          hint=N_("十个有 inspections are of town service centers"), name=town.unified_name)
    if not items:
        raise PortalError(N_("the center declares no 十个有 standard"),
                          hint=N_("declare town_standard in schema/center.yaml and publish"))
    unchecked = [i["name"] for i in items if i["code"] not in results]
    if unchecked:
        raise PortalError(N_("not checked: %(items)s"), hint=N_("mark every item 有 or 缺"),
                          items="、".join(unchecked))
    bare = [i["name"] for i in items if not results[i["code"]].present and not results[i["code"]].evidenced]
    if bare:
        raise PortalError(N_("a missing item needs its evidence: %(items)s"),
                          hint=N_("add a photo or a note to each item found missing"), items="、".join(bare))
    inspection = TownInspection(sub_center_id=town.id, inspected_on=day, recorded_by=by,
                                checked=len(items), note=note.strip() or None,
                                missing=sum(1 for i in items if not results[i["code"]].present))
    session.add(inspection)
    for position, entry in enumerate(items):
        found = results[entry["code"]]
        inspection.items.append(TownInspectionItem(
            sub_center_id=town.id, position=position, code=entry["code"], name=entry["name"],
            text=entry["text"], present=found.present,
            note=None if found.present else (found.note.strip() or None),
            photos=[] if found.present else [dict(p) for p in found.photos]))
    return inspection


def _latest(where: Iterable[Any] = ()) -> Select:
    """The ids of each town center's latest inspection among those ``where`` picks (the newest
    day, then the newest record), as a subquery's ``id`` column."""
    number = func.row_number().over(partition_by=TownInspection.sub_center_id,
                                    order_by=(TownInspection.inspected_on.desc(),
                                              TownInspection.id.desc())).label("n")
    ranked = select(TownInspection.id, number).where(*where).subquery()
    return select(ranked.c.id).where(ranked.c.n == 1)


def latest(session: Session, sub_center_ids: Iterable[int] | None = None) -> dict[int, TownInspection]:
    """Each town center's latest inspection (those the session sees), by sub-center id."""
    where = [] if sub_center_ids is None else [TownInspection.sub_center_id.in_(list(sub_center_ids))]
    rows = session.scalars(select(TownInspection).where(TownInspection.id.in_(_latest(where))))
    return {row.sub_center_id: row for row in rows}


def findings_of_month(first: dt.date, next_first: dt.date) -> Any:
    """The criterion of the findings (缺) of each town center's latest inspection of the month
    [first, next_first): what ``town_standard_missing`` counts."""
    month = _latest([TownInspection.inspected_on >= first, TownInspection.inspected_on < next_first])
    return (TownInspectionItem.inspection_id.in_(month), TownInspectionItem.present.is_(False))


def missing_in_month(session: Session, first: dt.date, next_first: dt.date) -> dict[int, int]:
    """town_standard_missing: the findings of each town center's latest inspection of the
    month, by sub-center id (one GROUP BY; a town center not inspected that month is absent)."""
    return dict(session.execute(
        select(TownInspectionItem.sub_center_id, func.count())
        .where(*findings_of_month(first, next_first))
        .group_by(TownInspectionItem.sub_center_id)).all())
