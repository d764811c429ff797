"""十个有: the center's checklist inspection of a town center against its declared standard
(center.yaml ``town_standard``), each missing item a finding with evidence, counted by the
assessment metric ``town_standard_missing`` and read only within the town center."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from portal.assessment.metrics import metrics
from portal.assessment.reports import Month
from portal.assessment.scoring import score
from portal.assessment.town import Checked, record
from portal.cli.demo import ensure_demo_users, seed_town_inspections
from portal.models import TownInspection, TownInspectionItem, Window, db
from portal.site import load_site
from portal.web.current import center_today, center_zone, current_site
from tests.support.sites import REPO, copy_demo
from tests.support.world import PASSWORD, signed_in, sub_center
from tests.test_publish import run

TEN = ["有场所", "有牌子", "有制度", "有台帐", "有公开服务电话", "有电脑", "有公示栏", "有工作队伍",
       "有办事须知", "有便民服务卡"]


def png() -> bytes:
    """A real (tiny) PNG: a photo as the browser uploads it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00" * 1  # one red pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --- the declaration ---------------------------------------------------------------------

def test_the_demo_declares_the_ten_of_the_plan() -> None:
    site, problems = load_site(REPO)
    assert problems == []
    assert [i["name"] for i in site.center["town_standard"]] == TEN
    assert [i["code"] for i in site.center["town_standard"]] == [f"T{n:02d}" for n in range(1, 11)]


def _broken(tmp_path: Path, change) -> list[str]:
    root = copy_demo(tmp_path / "site")
    center = root / "schema" / "center.yaml"
    data = yaml.safe_load(center.read_text(encoding="utf-8"))
    change(data["town_standard"])
    center.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    site, problems = load_site(root)
    assert site is None, "a broken checklist blocks publication"
    return [f"{p.file}: {p.path}: {p.code}: {p.message}" for p in problems]


def test_the_checker_refuses_a_broken_checklist_naming_file_path_and_what(tmp_path: Path) -> None:
    def damage(items: list) -> None:
        del items[3]["text"]  # 有台帐 without its requirement
        items[5]["code"] = "T01"  # 有电脑 under 有场所's code
        items[9]["name"] = "有牌子"  # a second 有牌子
        items[1]["photo"] = True  # a key the standard does not have

    assert _broken(tmp_path, damage) == [
        "schema/center.yaml: town_standard[1].photo: schema.E010: unknown key 'photo'",
        "schema/center.yaml: town_standard[3].text: schema.E011: required key 'text' is missing",
        "schema/center.yaml: town_standard[5].code: schema.E040: "
        "town standard code 'T01' is already given at town_standard[0]",
        "schema/center.yaml: town_standard[9].name: schema.E040: "
        "town standard name '有牌子' is already given at town_standard[1]",
    ]


def test_an_empty_checklist_is_refused(tmp_path: Path) -> None:
    problems = _broken(tmp_path, lambda items: items.clear())
    assert [p.split(": ")[1:3] for p in problems] == [["town_standard", "schema.E030"]]


# --- inspecting --------------------------------------------------------------------------

@pytest.fixture
def world(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    return published


def _checklist(missing: dict[str, dict], photo: tuple[str, bytes] | None = None) -> dict:
    """The posted checklist: 有 for every item but ``missing`` (code -> note, photo)."""
    data: dict = {}
    for n in range(1, 11):
        code = f"T{n:02d}"
        data[f"state_{code}"] = "missing" if code in missing else "present"
        data[f"note_{code}"] = missing.get(code, {}).get("note", "")
        if missing.get(code, {}).get("photo"):
            name, content = missing[code]["photo"]
            data[f"photos_{code}"] = (io.BytesIO(content), name)
    return data


def _post(client, code: str, data: dict):
    return client.post(f"/town-standard/{code}/new", data={"csrf_token": client.token, **data},
                       content_type="multipart/form-data")


def test_an_inspection_with_two_missing_items_yields_two_findings_and_the_metric_counts_two(world) -> None:
    app = world
    with app.app_context():
        # hand-worked: an earlier inspection this month found 3 missing, one last month 5; the
        # month's latest (recorded below: 2 missing) is what counts
        town, site, today = sub_center("huayang"), current_site(), center_today()
        first = today.replace(day=1)
        earlier = {f"T{n:02d}": Checked(n > 3, "" if n > 3 else "未见") for n in range(1, 11)}
        record(db.session, site, town, first, "center-auditor", earlier)
        before = {f"T{n:02d}": Checked(n > 5, "" if n > 5 else "未见") for n in range(1, 11)}
        record(db.session, site, town, first - dt.timedelta(days=3), "center-auditor", before)
        db.session.commit()
    auditor = signed_in(app, "center-auditor")
    listed = auditor.get("/town-standard/").get_data(as_text=True)
    assert "3/10" not in listed and "7/10" in listed  # 华阳街道's latest so far: 3 missing
    assert "华阳街道便民服务中心" in listed and "宝华镇便民服务中心" in listed and "开始检查" in listed
    page = auditor.get("/town-standard/huayang/new").get_data(as_text=True)
    assert all(name in page for name in TEN) and page.count('value="missing"') == 10

    saved = _post(auditor, "huayang", _checklist({
        "T07": {"photo": ("公示栏.png", png())},  # a photo alone
        "T10": {"note": "便民服务卡已用完，窗口无卡可发"},  # a note alone
    }) | {"inspected_on": "2020-01-01", "recorded_by": "someone-else"})  # ignored: the server's
    assert saved.status_code == 302
    with app.app_context():
        inspection = db.session.scalars(select(TownInspection).order_by(TownInspection.id.desc())).first()
        town, site, zone = sub_center("huayang"), current_site(), center_zone()
        assert (inspection.sub_center.code, inspection.recorded_by) == ("huayang", "center-auditor")
        assert inspection.inspected_on == today and (inspection.checked, inspection.missing) == (10, 2)
        findings = [(i.name, i.note, [p["name"] for p in i.photos])
                    for i in inspection.items if not i.present]
        assert findings == [("有公示栏", None, ["公示栏.png"]),
                            ("有便民服务卡", "便民服务卡已用完，窗口无卡可发", [])]
        assert saved.headers["Location"].endswith(f"/town_inspections/show/{inspection.id}")
        sha = next(i for i in inspection.items if i.code == "T07").photos[0]["sha256"]

        month = Month(today.year, today.month)
        by_town = metrics(db.session, month, today, zone, by="sub_center")
        assert by_town[town.id]["town_standard_missing"] == Decimal(2)
        assert by_town.get(sub_center("baohua").id, {}).get("town_standard_missing", 0) == 0
        last = Month(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1)
        assert metrics(db.session, last, today, zone, by="sub_center")[town.id]["town_standard_missing"] == 5
        # a window of the town counts none: the finding is the town center's
        hy01 = db.session.scalars(select(Window).where(Window.code == "HY01")).one()
        assert metrics(db.session, month, today, zone).get(hy01.id, {}).get("town_standard_missing", 0) == 0
        # the demo's rule: 2 points a missing item
        lines = {line.name: line.points for line in score(site.center["assessment"], by_town[town.id]).lines}
        assert lines["十个有缺项"] == Decimal("-4.00")

    shown = auditor.get(f"/town_inspections/show/{inspection.id}").get_data(as_text=True)
    assert "便民服务卡已用完" in shown and "8/10" in shown and f"/photo/{sha}" in shown
    photo = auditor.get(f"/town-standard/{inspection.id}/photo/{sha}")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == png()
    explained = auditor.get(f"/assessment/subcenter/{town.id}").get_data(as_text=True)
    assert explained.count('data-evidence="town_inspection"') == 2
    assert f"{today} 缺：有公示栏" in explained and f"{today} 缺：有便民服务卡" in explained


def test_a_missing_item_without_evidence_is_refused_with_everything_kept(world) -> None:
    app = world
    auditor = signed_in(app, "center-auditor")
    data = _checklist({"T06": {"photo": ("电脑.png", png())}, "T08": {}})
    del data["state_T02"]  # not checked
    refused = _post(auditor, "huayang", data | {"note": "复查"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "未记录" in page
    assert "缺项须附证据：照片或说明。" in page and "请选择“有”或“缺”。" in page
    assert "电脑.png" in page and "photos_T06__kept" in page and "复查" in page  # kept
    bad = _post(auditor, "huayang", _checklist({"T01": {"photo": ("场所.png", b"MZ\x90\x00not a png")}}))
    assert "文件内容不是其名称所示的图片" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(TownInspection)).all() == []
        assert db.session.scalars(select(TownInspectionItem)).all() == []


def test_a_town_manager_reads_their_own_towns_inspections_and_not_anothers(world) -> None:
    app = world
    with app.app_context():
        assert seed_town_inspections() == 4
        ids = {(i.sub_center.code, i.inspected_on == max(j.inspected_on for j in db.session.scalars(
            select(TownInspection).where(TownInspection.sub_center_id == i.sub_center_id)))): i.id
            for i in db.session.scalars(select(TownInspection))}
        hy, bh = ids[("huayang", True)], ids[("baohua", True)]
        hy_item = db.session.scalars(select(TownInspectionItem.id).where(
            TownInspectionItem.inspection_id == hy)).first()

    own = signed_in(app, "huayang-manager")
    assert own.get(f"/town_inspections/show/{hy}").status_code == 200
    assert own.get(f"/api/v1/town_inspection_items/{hy_item}").status_code == 200
    home = own.get("/").get_data(as_text=True)
    assert 'data-testid="home-town"' in home and "8/10" in home
    assert "有公示栏" in home and "便民服务卡已用完，窗口无卡可发" in home
    assert own.post("/town-standard/huayang/new", data={"csrf_token": own.token}).status_code == 403

    other = signed_in(app, "baohua-manager")
    assert other.get(f"/town_inspections/show/{hy}").status_code == 404
    assert other.get(f"/api/v1/town_inspections/{hy}").status_code == 404
    assert other.get(f"/api/v1/town_inspection_items/{hy_item}").status_code == 404
    listed = other.get("/api/v1/town_inspections/?q=(page_size:100)").get_json()
    assert sorted(row["id"] for row in listed["result"]) == sorted([bh, ids[("baohua", False)]])
    assert "便民服务卡已用完" not in other.get("/").get_data(as_text=True)

    for username in ("baohua-auditor", "mz-auditor"):  # supervision of another sub-center
        auditor = signed_in(app, username)
        assert auditor.get("/town-standard/huayang/new").status_code == 404
        assert _post(auditor, "huayang", _checklist({})).status_code == 404
        assert "华阳街道" not in auditor.get("/town-standard/").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(TownInspection).count() == 4


def test_the_photos_of_findings_survive_uploads_clean(world) -> None:
    app = world
    auditor = signed_in(app, "huayang-auditor")
    assert _post(auditor, "huayang", _checklist({"T02": {"photo": ("牌子.png", png())}})).status_code == 302
    assert run(app, "uploads", "clean", "--older-than-hours", "0").exit_code == 0
    with app.app_context():
        item = db.session.scalars(select(TownInspectionItem).where(TownInspectionItem.code == "T02")).one()
        assert item.town_inspection.recorded_by == "huayang-auditor"
        pk, sha = item.inspection_id, item.photos[0]["sha256"]
    assert auditor.get(f"/town-standard/{pk}/photo/{sha}").data == png()
