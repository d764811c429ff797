"""An item's form: the center's base form plus a sub-center's additions, inside the locks."""

from __future__ import annotations

from pathlib import Path

import yaml

from portal.site import load_site


def write(site: Path, rel: str, data: dict) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def codes(problems) -> list[tuple[str, str, str]]:
    return [(p.file, p.path, p.code) for p in problems]


def test_the_demo_sub_center_adds_a_field_and_a_help_line_to_the_center_form(demo_site) -> None:
    site, problems = load_site(demo_site)
    assert problems == []
    base = site.forms["mz-dibao"]
    mine = site.subcenters["mz"].offerings["mz-dibao"].form
    assert "large_spending" in [f.name for f in mine.fields()]
    assert "large_spending" not in [f.name for f in base.fields()]
    assert mine.field("savings").help.startswith("含银行存款") and not base.field("savings").help
    assert mine.section_of("large_spending").name == "household"
    assert mine.digest != base.digest


def test_a_locked_field_may_be_tightened_and_an_unlocked_one_removed(demo_site) -> None:
    write(demo_site, "forms/mz/mz-dibao.yaml", {"form": "mz-dibao", "sections": [
        {"name": "applicant", "fields": [{"name": "applicant_name", "max_length": 20}]},
        {"name": "household", "fields": [{"name": "reason", "max_length": 300}]}],
        "remove": ["landline", "marital"]})
    site, problems = load_site(demo_site)
    assert problems == []
    form = site.subcenters["mz"].offerings["mz-dibao"].form
    assert form.field("applicant_name").get("max_length") == 20
    assert {"landline", "marital"}.isdisjoint(f.name for f in form.fields())


def test_loosening_or_removing_a_locked_field_or_locking_one_is_refused(demo_site) -> None:
    write(demo_site, "forms/mz/mz-dibao.yaml", {"form": "mz-dibao", "sections": [
        {"name": "applicant", "fields": [
            {"name": "applicant_name", "max_length": 80, "label": "姓名"},
            {"name": "hukou", "options": ["城镇", "农村", "其他"]},
            {"name": "own", "label": "自有字段", "type": "text", "locked": True}]},
        {"name": "household", "title": "家庭"}],
        "remove": ["id_number"]})
    site, problems = load_site(demo_site)
    assert site is None
    assert sorted(codes(problems)) == [
        ("forms/mz/mz-dibao.yaml", "remove[0]", "schema.E079"),
        ("forms/mz/mz-dibao.yaml", "sections[0].fields[0].label", "schema.E079"),
        ("forms/mz/mz-dibao.yaml", "sections[0].fields[0].max_length", "schema.E079"),
        ("forms/mz/mz-dibao.yaml", "sections[0].fields[1].options", "schema.E079"),
        ("forms/mz/mz-dibao.yaml", "sections[0].fields[2].locked", "schema.E079"),
        ("forms/mz/mz-dibao.yaml", "sections[1].title", "schema.E079"),
    ]


def test_an_addition_is_checked_against_the_whole_merged_form(demo_site) -> None:
    write(demo_site, "forms/mz/mz-dibao.yaml", {"form": "mz-dibao", "sections": [
        {"name": "extra", "title": "补充", "fields": [
            {"name": "car_value", "label": "车辆价值", "type": "money",
             "visible_if": "has_propety"},
            {"name": "members", "label": "重名", "type": "text"}]}]})
    site, problems = load_site(demo_site)
    assert site is None
    # an existing name is that field, wherever the overlay mentions it: a change, here refused
    assert sorted((p.path, p.code) for p in problems) == [
        ("sections[0].fields[0].visible_if", "schema.E072"),
        ("sections[0].fields[1].label", "schema.E079"),
        ("sections[0].fields[1].type", "schema.E079")]
    assert "did you mean 'has_property'" in next(p.hint for p in problems if p.code == "schema.E072")


def test_a_dictionary_change_makes_a_new_form_version_not_a_changed_one(demo_site) -> None:
    site, _ = load_site(demo_site)
    center = demo_site / "schema" / "center.yaml"
    center.write_text(center.read_text(encoding="utf-8").replace(
        "marital: [未婚, 已婚, 离异, 丧偶]", "marital: [未婚, 已婚, 离婚, 丧偶]"), encoding="utf-8")
    changed, problems = load_site(demo_site)
    assert problems == []
    assert changed.forms["mz-dibao"].field("marital").get("options")[2] == "离婚"
    assert site.forms["mz-dibao"].field("marital").get("options")[2] == "离异"
    assert changed.forms["mz-dibao"].digest != site.forms["mz-dibao"].digest
    assert changed.forms["mz-lnyd"].digest == site.forms["mz-lnyd"].digest  # does not use it
