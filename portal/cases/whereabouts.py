"""当前去向: where a village point's 代办员 is now, set by the agent from a phone.

Every change is kept (``AgentStatus``): the newest row of an agent is where they are now, the
older ones are the history supervision may read later. The list of places is declared once,
``Whereabouts`` in portal/models/villages.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.core import servertime
from portal.models import AgentStatus, VillageAgent, Whereabouts


def set_whereabouts(session: Session, agent: VillageAgent, status: str, by: str) -> AgentStatus:
    """Record that ``agent`` is now at ``status`` (one of ``Whereabouts``), set by login ``by``,
    at the server's clock."""
    if status not in set(Whereabouts):
        raise ValueError(f"unknown whereabouts {status!r}")
    row = AgentStatus(agent_id=agent.id, status=status, at=servertime.now(), by=by)
    session.add(row)
    session.flush()
    return row


def current(session: Session, agent_ids: Iterable[int]) -> dict[int, AgentStatus]:
    """The newest status of each of ``agent_ids`` that has one."""
    ids = list(agent_ids)
    if not ids:
        return {}
    newest = (select(func.max(AgentStatus.id)).where(AgentStatus.agent_id.in_(ids))
              .group_by(AgentStatus.agent_id))
    return {row.agent_id: row for row in session.scalars(
        select(AgentStatus).where(AgentStatus.id.in_(newest)))}
