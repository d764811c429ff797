"""The three-level network's village points (村级便民服务代办点): published from a town center's
declaration, their 代办员 given logins by `portal demo-users`, each 代办员's 当前去向 set from a
phone and shown in the public hall."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.models import SubCenter, Village, VillageAgent, db
from tests.test_publish import run


def _villages(app) -> dict[str, tuple[int, str, str, list[tuple[int, str, str, str, str]]]]:
    with app.app_context():
        out = {}
        for v in db.session.scalars(select(Village).where(Village.active).order_by(Village.code)):
            agents = [(a.id, a.username, a.name, a.title, a.phone) for a in v.agents if a.active]
            out[v.code] = (v.id, v.sub_center.code, v.name, agents)
        return out


def test_publishing_makes_the_declared_villages_and_their_agents(app, demo_site: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    villages = _villages(app)
    assert sorted(villages) == ["BH-BH", "BH-CT", "BH-HP", "HY-DM", "HY-SS", "HY-SX"]
    _, town, name, agents = villages["HY-SX"]
    assert (town, name) == ("huayang", "蜀山村")
    assert [a[1:] for a in agents] == [
        ("hy-shushan-secretary", "王立新", "村党总支书记", "13852901101"),
        ("hy-shushan-agent", "陈美玲", "便民服务代办员", "13852901102")]
    with app.app_context():
        agent = db.session.scalar(select(VillageAgent).where(VillageAgent.username == "hy-shushan-agent"))
        town = db.session.scalar(select(SubCenter).where(SubCenter.code == "huayang"))
        assert agent.sub_center_id == town.id and agent.village.address.endswith("蜀山村党群服务中心")


def test_a_republished_village_keeps_its_ids_and_a_removed_one_is_retired(app, demo_site: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    before = _villages(app)
    path = demo_site / "schema/subcenters/huayang.yaml"
    text = path.read_text(encoding="utf-8")
    changed = text.replace("13852901102", "13852901199")  # 陈美玲's new phone
    changed = changed[:changed.index("  - code: HY-DM")]  # 东门村 no longer declared
    path.write_text(changed, encoding="utf-8")
    result = run(app, "sync", str(demo_site))
    assert "published version 2" in result.output, result.output
    after = _villages(app)
    assert "HY-DM" not in after
    assert after["HY-SX"][0] == before["HY-SX"][0]
    assert after["HY-SX"][3][1] == (before["HY-SX"][3][1][0], "hy-shushan-agent", "陈美玲",
                                    "便民服务代办员", "13852901199")
    with app.app_context():  # retired, not deleted
        dongmen = db.session.scalar(select(Village).where(Village.code == "HY-DM"))
        assert dongmen is not None and not dongmen.active
        assert all(not a.active for a in dongmen.agents)
