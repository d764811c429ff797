"""The three-level network's village points (村级便民服务代办点): published from a town center's
declaration, their 代办员 given logins by `portal demo-users`, each 代办员's 当前去向 set from a
phone and shown in the public hall."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from portal.access.scope import Scope, acting_as
from portal.cli.demo import ensure_demo_users
from portal.models import (
    AgentStatus,
    Booking,
    Case,
    CaseBranch,
    Complaint,
    Consultation,
    Evaluation,
    FollowUp,
    Inspection,
    PortalUser,
    SubCenter,
    Village,
    VillageAgent,
    db,
)
from portal.web.current import center_today
from tests.support.world import PASSWORD, add_cases, csrf_token, signed_in
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


def test_demo_users_gives_every_agent_a_login_bound_to_their_village(published) -> None:
    from portal.access.roles import AGENT, ROLE_NAMES

    result = run(published, "demo-users", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "hy-shushan-agent" in line)
    assert line.startswith("代办员") and "蜀山村" in line and "便民服务代办员" in line
    with published.app_context():
        user = db.session.scalar(select(PortalUser).where(PortalUser.username == "hy-shushan-agent"))
        assert [r.name for r in user.roles] == [ROLE_NAMES[AGENT]]
        assert [v.code for v in user.villages] == ["HY-SX"]
        assert (user.first_name, user.last_name) == ("陈美玲", "便民服务代办员")
        agents = db.session.scalars(select(VillageAgent.username)).all()
        users = set(db.session.scalars(select(PortalUser.username)))
        assert len(agents) == 12 and set(agents) <= users
    again = run(published, "demo-users", "--password", PASSWORD)  # nothing twice
    assert "hy-shushan-agent" in again.output and again.exit_code == 0


def test_an_agent_reads_their_town_center_and_sees_no_case(published) -> None:
    """The scope rule: a 代办员 belongs to their village's town center (its published records)
    and has an empty case scope — over the REST API and on the screens."""
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        add_cases()  # cases at every window, 华阳街道's too
        # a question from the public to the agent's own town center: the staff's to answer
        town_id = db.session.scalar(select(SubCenter.id).where(SubCenter.code == "huayang"))
        db.session.add(Consultation(tracking_number="ZXVILLAGE001", sub_center_id=town_id,
                                    question="社保卡补办要带什么？", contact_phone="13912345678"))
        db.session.commit()
    client = signed_in(published, "hy-shushan-agent")
    villages = client.get("/api/v1/villages/?q=(page_size:100)").get_json()
    assert sorted(r["code"] for r in villages["result"]) == ["HY-DM", "HY-SS", "HY-SX"]
    subs = client.get("/api/v1/subcenters/").get_json()
    assert [r["unified_name"] for r in subs["result"]] == ["华阳街道便民服务中心"]
    for name in ("cases", "appointments", "branches", "evaluations", "followups", "complaints",
                 "inspections", "consultations"):
        assert client.get(f"/api/v1/{name}/").status_code in (401, 403), name
        assert client.get(f"/{name}/list/").status_code in (302, 403), name
    with published.app_context():  # and the scope itself holds no case, whatever the permissions
        user = db.session.scalar(select(PortalUser).where(PortalUser.username == "hy-shushan-agent"))
        scope = Scope.of(user)
        assert scope.visible_sub_centers and not scope.sub_centers and not scope.windows
        town = db.session.scalar(select(SubCenter).where(SubCenter.code == "huayang"))
        assert db.session.scalar(select(func.count()).select_from(Case)
                                 .where(Case.sub_center_id == town.id)) > 0
        with acting_as(scope):
            for model in (Case, CaseBranch, Booking, Evaluation, FollowUp, Complaint, Inspection,
                          Consultation):
                assert db.session.scalars(select(model)).all() == [], model
            assert {v.code for v in db.session.scalars(select(Village))} == {"HY-DM", "HY-SS", "HY-SX"}
            assert [s.code for s in db.session.scalars(select(SubCenter))] == ["huayang"]
            assert [u.username for u in db.session.scalars(select(PortalUser))] == ["hy-shushan-agent"]


def _agents(app) -> None:
    with app.app_context():
        ensure_demo_users(password=PASSWORD)


def _status_of(app, username: str) -> list[tuple[str, str]]:
    with app.app_context():
        agent = db.session.scalar(select(VillageAgent).where(VillageAgent.username == username))
        return [(s.status, s.by) for s in db.session.scalars(
            select(AgentStatus).where(AgentStatus.agent_id == agent.id).order_by(AgentStatus.id))]


def test_an_agent_lands_on_their_page_taps_errand_and_the_town_page_shows_it(published) -> None:
    _agents(published)
    client = published.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    signed = client.post("/login/", data={"username": "hy-shushan-agent", "password": PASSWORD,
                                          "csrf_token": token}, follow_redirects=True)
    page = signed.get_data(as_text=True)
    assert signed.request.path == "/agent/"  # the 代办员's start page
    assert "当前去向" in page and "陈美玲" in page and "蜀山村" in page and "尚未填报" in page
    for name in ("在岗", "外出代办", "下村走访", "参加会议", "休息"):
        assert f">{name}</button>" in page
    public = published.test_client()
    assert "尚未填报" in public.get("/hall/town/huayang").get_data(as_text=True)

    tapped = client.post("/agent/status", data={"status": "errand", "csrf_token": csrf_token(page)},
                         follow_redirects=True)
    after = tapped.get_data(as_text=True)
    assert tapped.request.path == "/agent/" and "已更新：外出代办" in after
    assert 'value="errand" aria-pressed="true"' in after
    with published.app_context():
        today = center_today().isoformat()
    assert f"自 {today} " in after
    assert _status_of(published, "hy-shushan-agent") == [("errand", "hy-shushan-agent")]

    town = public.get("/hall/town/huayang").get_data(as_text=True)
    mine = town[town.index('data-agent="hy-shushan-agent"'):]
    mine = mine[:mine.index("</li>")]
    assert "陈美玲" in mine and "便民服务代办员" in mine and 'href="tel:13852901102"' in mine
    assert "外出代办" in mine and f"自 {today} " in mine
    other = town[town.index('data-agent="hy-shushan-secretary"'):]
    assert "尚未填报" in other[:other.index("</li>")]
    assert "hy-shushan-agent@portal.invalid" not in town  # nothing else about agents is public


def test_an_agent_cannot_set_someone_elses_status(published) -> None:
    _agents(published)
    client = signed_in(published, "hy-shushan-agent")
    with published.app_context():
        other = db.session.scalar(select(VillageAgent).where(VillageAgent.username == "hy-shishi-agent"))
    # the form names no agent: whatever is added, the status set is the signed-in agent's own
    client.post("/agent/status", data={"status": "meeting", "agent_id": str(other.id),
                                       "username": "hy-shishi-agent", "csrf_token": client.token})
    assert _status_of(published, "hy-shishi-agent") == []
    assert _status_of(published, "hy-shushan-agent") == [("meeting", "hy-shushan-agent")]
    # staff of the town center, or another role, have no 当前去向 to set
    manager = signed_in(published, "huayang-manager")
    assert manager.post("/agent/status", data={"status": "resting", "csrf_token": manager.token}
                        ).status_code in (302, 403)
    assert _status_of(published, "hy-shishi-agent") == []
    assert client.post("/agent/status", data={"status": "away", "csrf_token": client.token}
                       ).status_code == 400


def test_the_landing_page_links_a_town_centers_village_page(published) -> None:
    client = published.test_client()
    landing = client.get("/hall/").get_data(as_text=True)
    assert 'href="/hall/town/huayang"' in landing and 'href="/hall/town/baohua"' in landing
    assert "村级代办点及代办员（3 个村）" in landing
    town = client.get("/hall/town/baohua").get_data(as_text=True)
    for name in ("宝华村", "仓头村", "和平村", "杨丽萍", "村党委书记", "江苏省句容市宝华镇仓头村村委会"):
        assert name in town
    assert client.get("/hall/town/mz").status_code == 404  # a department's sub-center has no villages
    assert client.get("/hall/town/nowhere").status_code == 404


def test_a_town_manager_reads_their_agents_accounts_and_whereabouts_history_not_another_towns(
        published) -> None:
    _agents(published)
    for username, status in (("hy-shushan-agent", "errand"), ("hy-shushan-agent", "on_duty"),
                             ("bh-baohua-agent", "meeting")):
        agent = signed_in(published, username)
        agent.post("/agent/status", data={"status": status, "csrf_token": agent.token})
    manager = signed_in(published, "huayang-manager")
    history = manager.get("/agent_statuses/list/").get_data(as_text=True)
    assert "代办员去向记录" in history
    assert "陈美玲" in history and "外出代办" in history and "在岗" in history
    assert "杨丽萍" not in history and "参加会议" not in history  # 宝华镇's 代办员
    rows = manager.get("/api/v1/agent_statuses/").get_json()["result"]
    assert len(rows) == 2  # each names its 代办员 (id and name), nothing more of them
    assert {r["status"] for r in rows} == {"errand", "on_duty"}
    assert all(set(r["agent"]) == {"id", "name"} and r["agent"]["name"] == "陈美玲" for r in rows)
    # their 代办员's accounts are among the town center's users; another town's are not
    users = {u["username"] for u in manager.get("/api/v1/users/?q=(page_size:100)").get_json()["result"]} \
        if manager.get("/api/v1/users/").status_code == 200 else None
    with published.app_context():
        manager_user = db.session.scalar(select(PortalUser).where(PortalUser.username == "huayang-manager"))
        with acting_as(Scope.of(manager_user)):
            seen = {u.username for u in db.session.scalars(select(PortalUser))}
            statuses = db.session.scalars(select(AgentStatus)).all()
    assert {"hy-shushan-agent", "hy-shushan-secretary", "hy-shishi-agent"} <= seen
    assert not any(name.startswith("bh-") for name in seen)
    assert len(statuses) == 2
    if users is not None:
        assert users == seen
    # the 代办员 themselves: their town's history (as the public page shows the newest), no accounts
    agent = signed_in(published, "hy-shishi-agent")
    assert "陈美玲" in agent.get("/agent_statuses/list/").get_data(as_text=True)
