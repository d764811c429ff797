"""The loaded site: what the engine learns from the demo declarations, and how layers merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.site import load_site
from tests.support.sites import BASE, REPO, make_example


@pytest.fixture(scope="module")
def demo():
    site, problems = load_site(REPO)
    assert problems == []
    return site


def test_every_sub_center_carries_the_unified_name(demo) -> None:
    names = {code: sub.unified_name for code, sub in demo.subcenters.items()}
    assert names == {
        "ws": "句容市政务服务卫生分中心",
        "mz": "句容市政务服务民政分中心",
        "rs": "句容市政务服务人社分中心",
        "jj": "句容市政务服务公安交巡警分中心",
        "fc": "句容市政务服务房地产交易分中心",
        "huayang": "华阳街道便民服务中心",
        "baohua": "宝华镇便民服务中心",
    }


def test_each_department_sub_center_offers_at_least_six_items(demo) -> None:
    for code in ("ws", "mz", "rs", "jj", "fc"):
        assert len(demo.subcenters[code].offerings) >= 6, code


def test_items_disclose_all_seven_elements(demo) -> None:
    for item in demo.items.values():
        data = item.data
        assert data["legal_basis"] and data["conditions"] and data["materials"] and data["steps"]
        assert data["completion"] and data["fee"]["standard" if not data["fee"]["charged"] else "basis"]
        assert item.promised_days <= item.legal_days


def test_item_type_has_its_national_code(demo) -> None:
    assert demo.items["fc-ysxk"].type == "行政许可" and demo.items["fc-ysxk"].type_code == "01"
    assert demo.items["mz-dibao"].type_code == "05"
    assert demo.items["yb-grxx"].type_code == "20"


def test_sub_center_overlay_tightens_the_center_layer(demo) -> None:
    offered = demo.subcenters["mz"].offerings["mz-dibao"]
    assert offered.item.promised_days == 15
    assert [s["days"] for s in offered.item.data["steps"]] == [1, 7, 6, 1]
    assert demo.items["mz-dibao"].promised_days == 20  # the center's layer is unchanged
    # a town center offering the same item has the center's version
    assert demo.subcenters["huayang"].offerings["mz-lnyd"].item.data == demo.items["mz-lnyd"].data


def test_added_material_is_kept_and_base_materials_stay(demo) -> None:
    materials = [m["name"] for m in demo.subcenters["jj"].offerings["jj-jdczc"].item.data["materials"]]
    assert "机动车查验记录表" in materials
    assert set(m["name"] for m in demo.items["jj-jdczc"].data["materials"]) <= set(materials)


def test_defaults_are_filled_in(demo) -> None:
    lnyd = demo.items["mz-lnyd"].data
    assert lnyd["materials"][0]["required"] is True


def test_window_lookup(demo) -> None:
    window = demo.window("JJ02")
    assert (window.name, window.subcenter) == ("机动车登记窗口", "jj")


def test_metadata_is_read_only(demo) -> None:
    with pytest.raises(TypeError):
        demo.items["mz-dibao"].data["name"] = "改名"  # type: ignore[index]
    with pytest.raises(AttributeError):
        demo.items["mz-dibao"].promised_days = 99  # type: ignore[misc]


def test_comments_and_key_order_do_not_change_the_hash(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(BASE, tmp_path / "site")
    path = tmp_path / "site/schema/items/mz-lnyd.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    path.write_text("# 注释\n" + "\n".join([lines[1], lines[0], *lines[2:]]) + "\n", encoding="utf-8")
    before, _ = load_site(BASE)
    after, problems = load_site(tmp_path / "site")
    assert problems == []
    assert before.content_hash == after.content_hash


@pytest.mark.parametrize("overlay, allowed", [
    ("    promised_days: 10\n    steps:\n      - {name: 受理, role: clerk, days: 1}\n"
     "      - {name: 审核, role: manager, days: 8}\n      - {name: 办结, role: clerk, days: 1}\n", True),
    # an opinion asked for on a clerk's step: tighter, allowed; the manager's 审核 without one: not
    ("    promised_days: 10\n    steps:\n      - {name: 受理, role: clerk, days: 1, opinion: true}\n"
     "      - {name: 审核, role: manager, days: 8}\n      - {name: 办结, role: clerk, days: 1}\n", True),
    ("    promised_days: 10\n    steps:\n      - {name: 受理, role: clerk, days: 1}\n"
     "      - {name: 审核, role: manager, days: 8, opinion: false}\n"
     "      - {name: 办结, role: clerk, days: 1}\n", False),
    ("    consultation:\n      phones: [0511-87280622]\n", True),
    ("    materials:\n      - {name: 居民身份证}\n      - {name: 户口簿}\n      - {name: 结婚证}\n", True),
    ("    name: 低保\n", False),
    ("    fee: {charged: true, basis: 无, standard: 1元}\n", False),
])
def test_what_an_overlay_may_change(tmp_path: Path, overlay: str, allowed: bool) -> None:
    root = make_example("schema.W003", tmp_path / "site")  # any valid site will do
    path = root / "schema/subcenters/mz.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  - item: mz-dibao\n    windows: [MZ01]\n", "  - item: mz-dibao\n    windows: [MZ01]\n" + overlay)
    path.write_text(text, encoding="utf-8")
    site, problems = load_site(root)
    assert (site is not None) == allowed, [str(p) for p in problems]


def test_a_window_code_used_by_two_sub_centers_is_reported_once(demo_site: Path) -> None:
    path = demo_site / "schema/subcenters/rs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("RS03", "MZ01"), encoding="utf-8")
    site, problems = load_site(demo_site)
    assert site is None
    assert [(p.file, p.path, p.code) for p in problems] == [
        ("schema/subcenters/rs.yaml", "windows[2].code", "schema.E040")]
    assert "already used by sub-center 'mz'" in problems[0].message


def test_a_parallel_check_finds_exactly_what_a_serial_one_finds(demo_site: Path) -> None:
    path = demo_site / "schema/items/mz-dibao.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("copies: 1", "copies: x", 1), encoding="utf-8")
    (demo_site / "schema/items/gbk.yaml").write_bytes("name: 测试\n".encode("gbk"))
    serial = load_site(demo_site, workers=1, use_cache=False)
    parallel = load_site(demo_site, workers=3, use_cache=False)
    assert serial == parallel
    assert {p.code for p in parallel[1]} == {"schema.E002", "schema.E021"}
    intact, _ = load_site(REPO, workers=3, use_cache=False)
    assert intact.content_hash == load_site(REPO, workers=1, use_cache=False)[0].content_hash


def test_the_center_counts_its_days_in_its_own_time_zone(tmp_path: Path) -> None:
    import datetime as dt
    import shutil

    from portal.cases.lifecycle import local_day

    site_dir = tmp_path / "site"
    shutil.copytree(BASE, site_dir)
    center = site_dir / "schema" / "center.yaml"
    late = dt.datetime(2026, 11, 29, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 30th in Beijing
    default, _ = load_site(site_dir)
    assert default.zone.key == "Asia/Shanghai" and local_day(default, late) == dt.date(2026, 11, 30)
    center.write_text(center.read_text(encoding="utf-8") + 'time_zone: "Asia/Urumqi"\n', encoding="utf-8")
    urumqi, problems = load_site(site_dir)
    assert problems == [] and local_day(urumqi, late) == dt.date(2026, 11, 29)  # 23:30 there
    center.write_text(center.read_text(encoding="utf-8").replace("Asia/Urumqi", "Asia/Jurong"),
                      encoding="utf-8")
    refused, problems = load_site(site_dir)
    assert refused is None
    assert [(p.code, p.path) for p in problems] == [("schema.E025", "time_zone")]
    assert "'Asia/Jurong' is not a time zone" in problems[0].message


def test_a_site_with_ten_faults_shows_all_ten_in_one_run(demo_site: Path) -> None:
    """Faults side by side in the same files: a shape error never hides the checks that do not
    depend on the broken part (the other keys of the file, an overlay of the item)."""
    def change(rel: str, old: str, new: str) -> None:
        path = demo_site / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    change("schema/items/mz-dibao.yaml", "conditions:", "condtions:")  # a typo'd key …
    change("schema/items/mz-wubao.yaml", "  copies: 1", "  copies: one")  # a word for a number …
    change("schema/items/mz-wubao.yaml", "fee:\n  charged: false", "fee:\n  charged: true")
    change("schema/items/yb-zzx.yaml", "  copies: 0", "  copies: none")
    change("schema/items/yb-zzx.yaml", "template: result-notice", "template: result-notise")
    change("schema/subcenters/ws.yaml", "  - item: yb-zzx\n    windows: [WS01]",
           "  - item: yb-zzx\n    windows: [WS01]\n    promised_days: 9")
    change("schema/subcenters/mz.yaml", "name: 民政", "name: 民政分中心")
    change("schema/subcenters/mz.yaml", "phone: 0511-87280621", "phon: 0511-87280621")
    change("schema/subcenters/mz.yaml", "  - item: mz-wubao\n    windows: [MZ01]",
           "  - item: mz-wubao\n    windows: [WS01]")
    change("forms/mz-wubao.yaml", "    type: yesno\n", "    type: yesno\n    visible_if: has_agnet\n")
    site, problems = load_site(demo_site)
    found = {(p.file, p.code) for p in problems}
    assert site is None
    assert {
        ("schema/items/mz-dibao.yaml", "schema.E010"),  # the typo …
        ("schema/items/mz-dibao.yaml", "schema.E050"),  # … and the disclosure it leaves out
        ("schema/items/mz-wubao.yaml", "schema.E021"),  # a shape error …
        ("schema/items/mz-wubao.yaml", "schema.E058"),  # … and a fee without basis, same file
        ("schema/items/yb-zzx.yaml", "schema.E021"),
        ("schema/items/yb-zzx.yaml", "schema.E043"),  # a template that is not there
        ("schema/subcenters/ws.yaml", "schema.E053"),  # an overlay of the broken item, checked
        ("schema/subcenters/mz.yaml", "schema.E051"),
        ("schema/subcenters/mz.yaml", "schema.E010"),
        ("schema/subcenters/mz.yaml", "schema.E042"),
        ("forms/mz-wubao.yaml", "schema.E072"),
    } <= found


@pytest.mark.parametrize(("text", "line"), [
    ("code: x\nmaterials: [a, b\ncopies: 1\nname: y\n", 2),  # a bracket never closed
    ("code: x\nname: \"abc\nnext: 1\nmore: 2\n", 2),  # a quote never closed
    ("code: x\nfee: {charged: false\nnote: y\n", 2),  # a brace never closed
    ("code: x\n  name: y\nfoo: 1\n", 2),  # an indented key
])
def test_a_yaml_syntax_error_points_at_the_line_of_the_fault(tmp_path: Path, text: str, line: int) -> None:
    from portal.site.source import read_document

    path = tmp_path / "item.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = read_document(tmp_path, path)
    assert [(p.code, p.line) for p in problems] == [("schema.E003", line)]
