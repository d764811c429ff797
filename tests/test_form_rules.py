"""The expression language and the rules it drives, as the server enforces them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from portal.forms import expr
from portal.forms.build import blank, check_submission
from portal.forms.spec import form_from

KINDS = expr.Kinds({"income": "number", "disabled": "bool", "name": "text", "members": "table",
                    "kinds": "list", "born": "date"},
                   {"members": {"income": "number", "name": "text"}})
VALUES = {"income": Decimal(800), "disabled": True, "name": "张三", "kinds": ["视力", "听力"],
          "members": [{"income": Decimal(1000), "name": "甲"}, {"income": None, "name": "乙"},
                      {"income": Decimal(501), "name": "丙"}],
          "born": dt.date(1950, 1, 1)}

CASES = [
    ("disabled and income < 900", True),
    ("not disabled or income >= 900", False),
    ("sum(members.income)", Decimal(1501)),
    ("sum(members.income) / count(members)", Decimal("500.3333333333333333333333333")),
    ("round(sum(members.income) / count(members), 2)", Decimal("500.33")),
    ("max(members.income) - min(members.income)", Decimal(499)),
    ("income * 1.1", Decimal("880.0")),
    ("'视力' in kinds", True),
    ("'言语' not in kinds", True),
    ("kinds in ['听力', '言语']", True),
    ("name == '张三' and len(name) == 2", True),
    ("income if disabled else 0", Decimal(800)),
    ("empty(name)", False),
    ("born < today()", True),
    ("missing == null", True),
    ("missing > 3", False),
    ("missing + 1 == null", True),
    ("income / 0 == null", True),
]


@pytest.mark.parametrize(("text", "value"), CASES)
def test_an_expression_means_what_it_says(text: str, value: Any) -> None:
    kinds = expr.Kinds({**KINDS.fields, "missing": "number"}, KINDS.columns)
    tree = expr.parse(text)
    expr.check(tree, kinds)
    assert expr.evaluate(tree, VALUES) == value


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "name.__class__", "().__class__.__bases__",
    "[x for x in kinds]", "lambda: 1", "kinds[0]", "income ** 2", "open('/etc/passwd')",
    "a < b < c", "name.upper()", "income; 1", "f'{name}'",
])
def test_anything_outside_the_language_is_refused_before_it_runs(text: str) -> None:
    with pytest.raises(expr.ExprError) as refused:
        tree = expr.parse(text)
        expr.check(tree, KINDS)
    assert refused.value.code in ("schema.E071", "schema.E072")


@pytest.mark.parametrize(("text", "want"), [
    ("income + name", None), ("disabled < 3", None), ("income and disabled", None),
    ("sum(name)", None), ("income", "bool"), ("round(income)", None),
])
def test_a_wrong_type_is_a_problem_before_the_form_is_used(text: str, want: str | None) -> None:
    with pytest.raises(expr.ExprError) as refused:
        expr.check(expr.parse(text), KINDS, want)
    assert refused.value.code == "schema.E073"


DIBAO = {"code": "d", "title": "低保", "sections": [
    {"name": "a", "title": "申请人", "fields": [
        {"name": "has_property", "label": "有其他房产", "type": "yesno", "required": True},
        {"name": "note", "label": "说明", "type": "text", "visible_if": "has_property",
         "required_if": "has_property"},
        {"name": "status", "label": "状态", "type": "choice", "options": ["新申请", "复核"]},
        {"name": "first_date", "label": "首次认定日期", "type": "date",
         "readonly_if": "status == '复核'"},
        {"name": "members", "label": "成员", "type": "table", "min_rows": 1, "columns": [
            {"name": "name", "label": "姓名", "type": "text", "required": True},
            {"name": "income", "label": "月收入", "type": "money"}]},
        {"name": "per_capita", "label": "人均", "type": "money",
         "compute": "sum(members.income) / count(members)"}]},
    {"name": "agent", "title": "代理人", "visible_if": "status == '复核'", "fields": [
        {"name": "agent_name", "label": "代理人", "type": "text", "required": True}]}]}


def post(**values: str) -> MultiDict:
    return MultiDict({"has_property": "no", "status": "新申请", "members-0-name": "张三",
                      "members-0-income": "900", **values})


def test_a_hidden_field_is_neither_required_nor_kept() -> None:
    form = form_from(DIBAO)
    checked = check_submission(form, post(note="有一套商铺"))  # typed, then hidden again
    assert checked.ok
    assert checked.data["note"] is None
    assert checked.data["agent_name"] is None  # its whole section is hidden


def test_a_field_becomes_required_when_its_rule_holds() -> None:
    checked = check_submission(form_from(DIBAO), post(has_property="yes"))
    assert not checked.ok and list(checked.errors) == ["note"]
    assert check_submission(form_from(DIBAO), post(has_property="yes", note="商铺一套")).ok


def test_a_hidden_section_requires_nothing_and_a_shown_one_does() -> None:
    checked = check_submission(form_from(DIBAO), post(status="复核"))
    assert list(checked.errors) == ["agent_name"]


def test_a_read_only_field_keeps_its_saved_value_whatever_is_posted() -> None:
    saved = {"first_date": "2024-03-01"}
    checked = check_submission(form_from(DIBAO), post(status="复核", agent_name="李四",
                                                      first_date="2026-01-01"), previous=saved)
    assert checked.ok and checked.data["first_date"] == "2024-03-01"


def test_a_computed_field_is_worked_out_on_the_server_not_taken_from_the_post() -> None:
    checked = check_submission(form_from(DIBAO), post(**{
        "members-1-name": "李四", "members-1-income": "401", "per_capita": "1"}))
    assert checked.ok and checked.data["per_capita"] == "650.50"


def test_rules_follow_their_dependencies_not_the_order_of_the_fields() -> None:
    reordered = {**DIBAO, "sections": [
        {**DIBAO["sections"][0], "fields": list(reversed(DIBAO["sections"][0]["fields"]))},
        DIBAO["sections"][1]]}
    checked = check_submission(form_from(reordered), post(has_property="yes"))
    assert list(checked.errors) == ["note"]
    assert form_from(reordered).order.index("members") < form_from(reordered).order.index("per_capita")


def test_a_blank_form_shows_stored_data_with_its_rules_worked_out() -> None:
    form = blank(form_from(DIBAO), {"has_property": True, "note": "商铺", "members": [
        {"name": "张三", "income": "900.00"}]})
    assert form.states["note"].visible and form.states["note"].required
    assert not form.states["agent_name"].visible
    assert form["members"].entries[0].form["income"].data == Decimal("900.00")
