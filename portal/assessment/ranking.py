"""A month's ranking: every subject's score this month and last, best first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from portal.assessment.metrics import SUBJECTS, empty_metrics, metrics
from portal.assessment.reports import Month
from portal.assessment.scoring import Line, Score, score


@dataclass(frozen=True)
class Ranked:
    """One subject's place in a ranking, live or read back from a frozen result."""

    rank: int | None  # None: took no case this month (无办件，不参与排名), listed after the ranked
    by: str  # the kind of subject (SUBJECTS)
    id: int  # its row's id
    key: Any  # what its metrics are keyed by (the id, or a clerk's username)
    code: str
    label: str
    place: str  # where it belongs (Subject.place)
    score: Score
    change: Decimal  # since the month before

    @classmethod
    def of(cls, rank: int | None, by: str, row: Any, score: Score, change: Decimal) -> Ranked:
        subject = SUBJECTS[by]
        return cls(rank, by, row.id, subject.key(row), subject.code(row), subject.label(row),
                   subject.place(row), score, change)

    @classmethod
    def frozen(cls, row: Mapping[str, Any]) -> Ranked:
        """A row of a frozen result (``frozen_row``) as it was ranked."""
        by = row.get("subject", "window")
        lines = tuple(Line(x["name"], Decimal(x["points"]), Decimal(x["raw"]), x["capped"])
                      for x in row["lines"])
        values = {m: None if v is None else Decimal(v) for m, v in row["values"].items()}
        return cls(row["rank"], by, row["window_id"], row["code"] if by == "clerk" else row["window_id"],
                   row["code"], row["window"], row["sub_center"],
                   Score(Decimal(row["total"]), lines, values), Decimal(row["change"]))


def ranking(session: Session, rules: Mapping[str, Any], month: Month, today: dt.date,
            zone: ZoneInfo, sub_center_id: int | None = None, by: str = "window") -> list[Ranked]:
    """Every subject of kind ``by`` (SUBJECTS) the session sees — those of one sub-center for
    its internal rules — with its score this month and last, best first; equal scores share a
    rank (1, 2, 2, 4). A subject that took no case this month is listed after them, unranked:
    its untouched base score says nothing of its service."""
    subject = SUBJECTS[by]
    now = metrics(session, month, today, zone, by=by)
    before = metrics(session, month.previous(), today, zone, by=by)
    scored = []
    for row in subject.rows(session, sub_center_id, keys=now.keys()):
        key = subject.key(row)
        this = score(rules, now.get(key) or empty_metrics())
        last = score(rules, before.get(key) or empty_metrics())
        took = (now.get(key) or {}).get("accepted")
        scored.append((row, this, this.total - last.total, bool(took)))
    scored.sort(key=lambda r: (not r[3], -r[1].total, subject.code(r[0])))
    ranks = iter(competition_ranks([s.total for _, s, _, took in scored if took]))
    return [Ranked.of(next(ranks) if took else None, by, row, s, change)
            for row, s, change, took in scored]


def competition_ranks(totals: list[Decimal]) -> list[int]:
    """Ranks of totals sorted best first, equal totals sharing one (并列): 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, total in enumerate(totals):
        ranks.append(ranks[-1] if i and total == totals[i - 1] else i + 1)
    return ranks
