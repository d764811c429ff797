"""Benchmark: checking submissions of a 40-field form, generated vs. hand-written WTForms.

    .venv/bin/python bench/form_validation.py [--submissions 10000] [--versions 500]

In the same run:
  generated    portal.forms.build.check_submission on a declared 40-field form: the generated
               WTForms class, the rules worked out on the server (two visible_if/required_if
               pairs and two computed fields), values dumped to JSON
  hand-written a WTForms class written by hand with the same 40 fields and validators,
               ``form.validate()`` and ``form.data`` (no rules: a hand-written form has none)
The submissions alternate valid ones and ones with three wrong fields. Then: the time to
build the metadata and form classes of 500 distinct form versions (as after a restart with
500 versions in use), one by one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from werkzeug.datastructures import MultiDict  # noqa: E402
from wtforms import Form, fields, validators  # noqa: E402

from portal.forms.build import _classes, check_submission, form_class  # noqa: E402
from portal.forms.identifiers import InvalidIdentifier, check_id_card, check_uscc  # noqa: E402
from portal.forms.spec import form_from  # noqa: E402

# (name, type, extra declaration keys) x 10 = 40 fields
KINDS = [
    ("name", "text", {"max_length": 50}), ("id", "id_card", {}), ("mobile", "mobile", {}),
    ("amount", "money", {"min": 0}), ("count", "integer", {"min": 0, "max": 99}),
    ("day", "date", {}), ("kind", "choice", {"options": ["甲", "乙", "丙"]}),
    ("flag", "yesno", {}), ("code", "uscc", {}), ("note", "textarea", {"max_length": 500}),
]


def declaration() -> dict[str, Any]:
    fields_ = []
    for group in range(4):
        for name, kind, extra in KINDS:
            fields_.append({"name": f"{name}_{group}", "label": f"{name}{group}", "type": kind,
                            "required": kind not in ("textarea", "yesno"), **extra})
    fields_[9]["visible_if"] = "flag_0"  # note_0 shows when flag_0
    fields_[9]["required_if"] = "flag_0"
    fields_[19]["visible_if"] = "flag_1"
    fields_[19]["required_if"] = "flag_1"
    fields_[13]["compute"] = "amount_0 * count_0"  # amount_1 computed
    fields_[13]["required"] = False
    fields_[23]["compute"] = "amount_0 + amount_1"
    fields_[23]["required"] = False
    return {"code": "bench", "title": "基准表", "sections": [
        {"name": "a", "title": "甲", "fields": fields_[:20]},
        {"name": "b", "title": "乙", "fields": fields_[20:]}]}


def submission(valid: bool) -> MultiDict:
    values = {}
    for group in range(4):
        values.update({f"name_{group}": "张三", f"id_{group}": "11010519491231002X",
                       f"mobile_{group}": "13912345678", f"amount_{group}": "1234.50",
                       f"count_{group}": "3", f"day_{group}": "2026-11-23", f"kind_{group}": "乙",
                       f"flag_{group}": "yes", f"code_{group}": "91110000600037341L",
                       f"note_{group}": "说明"})
    if not valid:
        values.update({"id_2": "110105194912310021", "mobile_3": "1391", "count_1": "一百"})
    return MultiDict(values)


class _Id:
    def __init__(self, check) -> None:
        self.check = check

    def __call__(self, form, field) -> None:
        if field.data:
            try:
                field.data = self.check(field.data)
            except InvalidIdentifier as exc:
                raise validators.ValidationError(str(exc.args[0])) from None


def hand_written() -> type[Form]:
    attrs: dict[str, Any] = {}
    req, opt = validators.InputRequired, validators.Optional
    for group in range(4):
        attrs[f"name_{group}"] = fields.StringField(validators=[req(), validators.Length(max=50)])
        attrs[f"id_{group}"] = fields.StringField(validators=[req(), _Id(check_id_card)])
        attrs[f"mobile_{group}"] = fields.StringField(
            validators=[req(), validators.Regexp(r"^1[3-9]\d{9}$")])
        attrs[f"amount_{group}"] = fields.DecimalField(places=2,
                                                       validators=[req(), validators.NumberRange(min=0)])
        attrs[f"count_{group}"] = fields.IntegerField(
            validators=[req(), validators.NumberRange(min=0, max=99)])
        attrs[f"day_{group}"] = fields.DateField(validators=[req()])
        attrs[f"kind_{group}"] = fields.SelectField(choices=["甲", "乙", "丙"], validators=[req()])
        attrs[f"flag_{group}"] = fields.RadioField(choices=["yes", "no"], validators=[opt()])
        attrs[f"code_{group}"] = fields.StringField(validators=[req(), _Id(check_uscc)])
        attrs[f"note_{group}"] = fields.TextAreaField(validators=[opt(), validators.Length(max=500)])
    return type("HandWritten", (Form,), attrs)


def timed(function, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=500)
    args = parser.parse_args()
    spec = form_from(declaration())
    posts = [submission(valid=n % 2 == 0) for n in range(args.submissions)]
    cls = hand_written()
    assert check_submission(spec, posts[0]).ok and not check_submission(spec, posts[1]).ok
    assert cls(posts[0]).validate() and not cls(posts[1]).validate()

    def generated() -> None:
        for post in posts:
            check_submission(spec, post)

    def plain() -> None:
        for post in posts:
            form = cls(post)
            form.validate()
            _ = form.data

    rounds = 3
    ours, theirs = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine
        theirs += timed(plain, 1)
        ours += timed(generated, 1)
    a, b = statistics.median(ours), statistics.median(theirs)
    n = args.submissions
    print(f"{n} submissions of a 40-field form (median of {rounds} runs)")
    print(f"  generated form, rules on the server: {a:.2f} s  ({a / n * 1e6:.0f} µs each)")
    print(f"  hand-written WTForms class:          {b:.2f} s  ({b / n * 1e6:.0f} µs each)")
    print(f"  ratio generated / hand-written:      {a / b:.2f}")

    definitions = []
    for v in range(args.versions):
        d = declaration()
        d["title"] = f"基准表 第{v + 1}版"
        d["sections"][0]["fields"][0]["label"] = f"姓名（第{v + 1}版）"
        definitions.append(d)
    _classes.clear()
    start = time.perf_counter()
    for d in definitions:
        form_class(form_from(d))
    built = time.perf_counter() - start
    print(f"build metadata and WTForms classes of {args.versions} form versions: {built:.2f} s "
          f"({built / args.versions * 1000:.1f} ms each)")


if __name__ == "__main__":
    main()
