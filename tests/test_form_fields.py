"""Every field type, filled the way a clerk fills it: what is accepted, what is refused and how."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from portal import create_app
from portal.forms.build import check_submission
from portal.forms.spec import form_from
from portal.forms.types import TYPES
from portal.site.tables import FIELD_TYPES


@pytest.fixture(scope="module")
def zh() -> Iterator[None]:
    """A request in the portal's default language (Simplified Chinese)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "f" * 40})
    with app.test_request_context("/"):
        yield


def one_field(**field: Any) -> Any:
    return form_from({"code": "t", "title": "测试表", "sections": [
        {"name": "s", "title": "部分", "fields": [{"name": "x", "label": "字段", **field}]}]})


def submit(field: dict[str, Any], value: Any) -> tuple[bool, Any, list[str]]:
    checked = check_submission(one_field(**field), MultiDict({"x": value}))
    return checked.ok, checked.data["x"], [str(e) for e in checked.errors.get("x", [])]


# (field declaration, typed value, stored value)
VALID = [
    ({"type": "text", "max_length": 5}, " 张三 ", "张三"),
    ({"type": "textarea"}, "家庭困难\n需要救助", "家庭困难\n需要救助"),
    ({"type": "address"}, "句容市华阳镇人民路1号", "句容市华阳镇人民路1号"),
    ({"type": "integer", "min": 1, "max": 3}, "3", 3),
    ({"type": "decimal", "decimals": 1}, "88.5", "88.5"),
    ({"type": "money"}, "1234.5", "1234.50"),
    ({"type": "date", "min": "2000-01-01"}, "2026-02-17", "2026-02-17"),
    ({"type": "datetime"}, "2026-11-23T09:30", "2026-11-23T09:30:00"),
    ({"type": "choice", "options": ["城镇", "农村"]}, "农村", "农村"),
    ({"type": "yesno"}, "yes", True),
    ({"type": "yesno"}, "no", False),
    ({"type": "id_card"}, "11010519491231002x", "11010519491231002X"),
    # a 句容 (321183 since 1995) resident born in 1958, typed through an input method
    ({"type": "id_card"}, "３２１１８３１９５８０１０１００１Ｘ", "32118319580101001X"),
    ({"type": "id_card"}, " 321183 19580101 001x ", "32118319580101001X"),
    # a county code python-stdnum knows only at its province (it raised KeyError: HTTP 500)
    ({"type": "id_card"}, "710101195801010017", "710101195801010017"),
    # a residence permit of a Hong Kong resident (港澳台居民居住证): 810000
    ({"type": "id_card"}, "810000195801010019", "810000195801010019"),
    ({"type": "uscc"}, "91110000600037341L", "91110000600037341L"),
    ({"type": "uscc"}, "９１１１００００６０００３７３４１ｌ", "91110000600037341L"),
    # authority N (农业), category 2: 村级集体经济组织 — refused by python-stdnum's own check;
    # worked by hand: organisation code 12345678 → check 8 (GB 11714: Σ=146, 11 − 146 mod 11 = 8),
    # then MOD 31 over the 17 characters → F
    ({"type": "uscc"}, "N2321183123456788F", "N2321183123456788F"),
    ({"type": "mobile"}, "13812345678", "13812345678"),
    ({"type": "landline"}, "0511-87280000", "0511-87280000"),
    ({"type": "email"}, "zhangsan@example.cn", "zhangsan@example.cn"),
    ({"type": "postcode"}, "212400", "212400"),
    ({"type": "region"}, "321183", "321183"),
]


@pytest.mark.parametrize(("field", "typed", "stored"), VALID, ids=lambda v: str(v)[:30])
def test_a_valid_value_is_accepted_and_stored(zh, field, typed, stored) -> None:
    ok, value, errors = submit(field, typed)
    assert (ok, errors) == (True, [])
    assert value == stored


# (field declaration, typed value, what the clerk reads)
INVALID = [
    ({"type": "text", "max_length": 5}, "张三李四王五", "最多 5 个字"),
    ({"type": "integer"}, "三", "整数"),
    ({"type": "integer", "min": 1, "max": 3}, "4", "应在 1 至 3 之间"),
    ({"type": "money"}, "12.345", "最多保留 2 位小数"),
    ({"type": "money", "min": 0}, "-1", "不能小于 0"),
    ({"type": "decimal", "decimals": 1}, "88.55", "最多保留 1 位小数"),
    ({"type": "date"}, "2026-02-30", "日期"),
    ({"type": "date", "min": "2000-01-01"}, "1999-12-31", "不能早于 2000-01-01"),
    ({"type": "choice", "options": ["城镇", "农村"], "widget": "radio"}, "城市", "选择"),
    ({"type": "id_card"}, "110105194912310021", "校验码不正确"),
    ({"type": "id_card"}, "110105194913310029", "出生日期"),
    ({"type": "id_card"}, "1101051949123100", "17 位数字"),
    ({"type": "id_card"}, "110105491231002", "18 位"),  # first generation: ended in 2013
    ({"type": "id_card"}, "991183195801010011", "省级"),
    ({"type": "id_card"}, "32118320990101001X", "晚于今天"),
    ({"type": "id_card"}, "321183180001010011", "年前"),
    ({"type": "uscc"}, "91110000600037341X", "最后一位"),
    ({"type": "uscc"}, "B1110000600037341L", "登记管理部门"),
    ({"type": "uscc"}, "94110000600037341L", "机构类别"),
    ({"type": "uscc"}, "91110000600037342L", "组织机构代码"),
    ({"type": "uscc"}, "9111000060003734IL", "大写字母"),
    ({"type": "mobile"}, "1381234567", "11 位数字"),
    ({"type": "landline"}, "87280000", "区号"),
    ({"type": "email"}, "zhangsan@", "电子邮箱"),
    ({"type": "postcode"}, "21240", "6 位数字"),
    ({"type": "region"}, "329999", "行政区划代码"),
]


@pytest.mark.parametrize(("field", "typed", "message"), INVALID, ids=lambda v: str(v)[:30])
def test_an_invalid_value_is_refused_with_a_chinese_message(zh, field, typed, message) -> None:
    ok, _, errors = submit(field, typed)
    assert not ok
    assert len(errors) == 1 and message in errors[0], errors


def test_a_required_field_left_empty_says_so(zh) -> None:
    ok, value, errors = submit({"type": "text", "required": True}, "  ")
    assert (ok, value, errors) == (False, None, ["此项为必填项。"])


def test_an_optional_field_left_empty_is_stored_as_empty(zh) -> None:
    for field in ({"type": "integer"}, {"type": "id_card"}, {"type": "date"}, {"type": "yesno"}):
        assert submit(field, "") == (True, None, [])


def test_a_multiple_choice_keeps_every_ticked_option(zh) -> None:
    form = one_field(type="multichoice", options=["号牌", "行驶证"], required=True)
    checked = check_submission(form, MultiDict([("x", "号牌"), ("x", "行驶证")]))
    assert checked.ok and checked.data["x"] == ["号牌", "行驶证"]
    checked = check_submission(form, MultiDict([("x", "驾驶证")]))
    assert not checked.ok
    checked = check_submission(form, MultiDict())
    assert [str(e) for e in checked.errors["x"]] == ["此项为必填项。"]


def table(**extra: Any) -> Any:
    return one_field(type="table", min_rows=1, max_rows=2, columns=[
        {"name": "name", "label": "姓名", "type": "text", "required": True},
        {"name": "income", "label": "月收入", "type": "money"}], **extra)


def test_a_table_checks_each_cell_and_its_row_count(zh) -> None:
    ok = check_submission(table(), MultiDict({"x-0-name": "张三", "x-0-income": "800",
                                              "x-1-name": "李四", "x-1-income": ""}))
    assert ok.ok
    assert ok.data["x"] == [{"name": "张三", "income": "800.00"}, {"name": "李四", "income": None}]
    bad = check_submission(table(), MultiDict({"x-0-name": "", "x-0-income": "八百"}))
    assert not bad.ok
    row = bad.errors["x"][0]
    assert [str(e) for e in row["name"]] == ["此项为必填项。"]
    assert "小数" in str(row["income"][0])
    three = check_submission(table(), MultiDict({f"x-{i}-name": "某" for i in range(3)}))
    assert [str(e) for e in three.errors["x"]] == ["最多填写 2 行"]


def test_an_upload_checks_count_type_and_size(zh) -> None:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    form = one_field(type="upload", material="户口簿", accept=["pdf", "jpg"], max_files=2,
                     max_size_mb=1)

    heads = {"pdf": b"%PDF-1.7\n", "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"}  # the bytes of each type

    def files(*specs: tuple[str, int]) -> MultiDict:
        return MultiDict([("x", FileStorage(BytesIO(heads.get(name.rsplit(".")[-1].lower(), b"")
                                                    + b"x" * size), name)) for name, size in specs])

    assert check_submission(form, files(("户口簿.pdf", 10), ("户口簿2.JPG", 10))).ok
    assert "最多上传 2 个文件" in str(check_submission(
        form, files(("a.pdf", 1), ("b.pdf", 1), ("c.pdf", 1))).errors["x"][0])
    assert "pdf、jpg" in str(check_submission(form, files(("a.exe", 1))).errors["x"][0])
    assert "超过 1 MB" in str(check_submission(form, files(("a.pdf", 2 * 1024 * 1024))).errors["x"][0])


def test_every_type_of_the_loader_is_a_row_of_the_type_table() -> None:
    assert tuple(TYPES) == FIELD_TYPES


def test_every_form_of_the_demo_site_builds_and_refuses_an_empty_submission(zh) -> None:
    from portal.site import load_site
    from tests.support.sites import REPO

    site, problems = load_site(REPO)
    assert problems == []
    forms = {o.form.digest: o.form for s in site.subcenters.values()
             for o in s.offerings.values() if o.form is not None}
    assert len(forms) >= len(site.forms)
    for form in forms.values():
        checked = check_submission(form, MultiDict())
        required = {f.name for f in form.fields() if f.required and f.compute is None
                    and form.section_of(f.name).visible_if is None and not f.rules}
        assert not checked.ok, form.code
        assert required <= set(checked.errors), form.code
