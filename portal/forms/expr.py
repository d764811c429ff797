"""The one safe expression language: form rules, computed fields (and later assessment formulas).

Expressions are written in a small subset of Python's expression syntax, e.g.
``disabled and per_capita < 900`` or ``sum(members.income) / count(members)``. Python's own
parser reads the text; only the node kinds below are accepted and turned into a plain tree of
lists (JSON data), so the same tree is checked here, evaluated here without ``eval``, and
evaluated by the browser's mirror (``static/portal-forms.js``).

Tree nodes::

    ["lit", text|bool|None]   ["num", "12.5"]           ["field", name]
    ["col", table, column]
    ["list", [items]]         ["not", x]                ["neg", x]
    ["and", [xs]]             ["or", [xs]]              ["if", test, then, else]
    ["bin", op, a, b]         ["cmp", op, a, b]         ["call", function, [args]]

Empty values are ``None``: arithmetic with an empty value is empty, a comparison with one is
false (``x == null`` asks for it), ``and``/``or``/``not`` read it as false.
"""

from __future__ import annotations

import ast
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any

from portal.core.text import did_you_mean

# Value kinds an expression can have (a field's kind comes from the type table).
NUMBER, TEXT, BOOL, DATE, DATETIME, LIST, TABLE, COLUMN, NULL, FILES = (
    "number", "text", "bool", "date", "datetime", "list", "table", "column", "null", "files")

Tree = list[Any]


@dataclass(frozen=True)
class ExprError(Exception):
    """An expression that cannot be used: its problem code, message and hint."""

    code: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return self.message


def _syntax(message: str, hint: str = "") -> ExprError:
    return ExprError("schema.E071", message, hint)


def _type(message: str, hint: str = "") -> ExprError:
    return ExprError("schema.E073", message, hint)


_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in"}
_WORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}

# CPython 3.11.7 keeps ast.parse's recursion counter per interpreter, not per thread: two
# threads parsing at once can raise SystemError (measured; see the issue-3 note). One at a time.
_PARSING = threading.Lock()
MAX_LENGTH = 500


def parse(text: str) -> Tree:
    """The tree of ``text``; :class:`ExprError` (schema.E071) when it is not in the language."""
    if not isinstance(text, str) or not text.strip():
        raise _syntax("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise _syntax(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        with _PARSING:
            node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise _syntax(f"cannot read it: {exc.msg}",
                      "write e.g. `income < 900 and not disabled`") from None
    return _tree(node)


def _tree(node: ast.AST) -> Tree:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or node.value is None or isinstance(node.value, str):
            return ["lit", node.value]
        if isinstance(node.value, (int, float)):
            return ["num", repr(node.value)]  # as written, so 0.1 stays exactly 0.1
        raise _syntax(f"{node.value!r} is not a value the language knows")
    if isinstance(node, ast.Name):
        if node.id in _WORDS:
            return ["lit", _WORDS[node.id]]
        return ["field", node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return ["col", node.value.id, node.attr]
    if isinstance(node, (ast.List, ast.Tuple)):
        return ["list", [_tree(e) for e in node.elts]]
    if isinstance(node, ast.BoolOp):
        return ["and" if isinstance(node.op, ast.And) else "or", [_tree(v) for v in node.values]]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ["not", _tree(node.operand)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return ["neg", _tree(node.operand)]
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        return ["bin", _BIN[type(node.op)], _tree(node.left), _tree(node.right)]
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise _syntax("one comparison at a time", "write `a < b and b < c`")
        if type(node.ops[0]) not in _CMP:
            raise _syntax("only == != < <= > >= in and not in compare values")
        return ["cmp", _CMP[type(node.ops[0])], _tree(node.left), _tree(node.comparators[0])]
    if isinstance(node, ast.IfExp):
        return ["if", _tree(node.test), _tree(node.body), _tree(node.orelse)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise _syntax(f"unknown function {node.func.id!r}",
                          "known functions: " + ", ".join(sorted(FUNCTIONS)))
        return ["call", node.func.id, [_tree(a) for a in node.args]]
    raise _syntax(f"{ast.unparse(node)!r} is not allowed in an expression",
                  "use field names, numbers, '文字', comparisons, and/or/not, + - * / "
                  "and the listed functions")


def names(tree: Tree) -> set[str]:
    """Every field the expression reads (a table column counts as its table)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if not isinstance(node, list) or not node:
            return
        if node[0] == "field" or node[0] == "col":
            found.add(node[1])
        elif node[0] not in ("lit", "num"):
            for part in node[1:]:
                if isinstance(part, list):
                    if part and isinstance(part[0], str):
                        walk(part)
                    else:
                        for item in part:
                            walk(item)

    walk(tree)
    return found


# --- checking -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Kinds:
    """What the names of one form are: field -> kind, table -> its columns' kinds."""

    fields: Mapping[str, str]
    columns: Mapping[str, Mapping[str, str]]


def check(tree: Tree, kinds: Kinds, want: str | None = None) -> str:
    """The kind of ``tree``'s value; :class:`ExprError` for unknown names (E072) or types (E073)."""
    kind = _kind(tree, kinds)
    if want is not None and kind not in (want, NULL):
        raise _type(f"the expression gives {_NAMES[kind]}, {_NAMES[want]} is needed")
    return kind


_NAMES = {NUMBER: "a number", TEXT: "text", BOOL: "yes/no", DATE: "a date",
          DATETIME: "a date and time", LIST: "a list",
          TABLE: "a table", COLUMN: "a table column", NULL: "null", FILES: "files"}


def _unknown(name: str, known: Mapping[str, Any]) -> ExprError:

    return ExprError("schema.E072", f"unknown field {name!r}",
                     did_you_mean(name, known) or "known fields: " + ", ".join(sorted(known)))


def _kind(node: Tree, kinds: Kinds) -> str:
    op = node[0]
    if op == "lit":
        value = node[1]
        if value is None:
            return NULL
        return BOOL if isinstance(value, bool) else TEXT
    if op == "num":
        return NUMBER
    if op == "field":
        if node[1] not in kinds.fields:
            raise _unknown(node[1], kinds.fields)
        return kinds.fields[node[1]]
    if op == "col":
        table, column = node[1], node[2]
        if table not in kinds.columns:
            raise _unknown(table, kinds.fields)
        if column not in kinds.columns[table]:
            raise _unknown(f"{table}.{column}", {f"{table}.{c}": 1 for c in kinds.columns[table]})
        return COLUMN
    if op == "list":
        for item in node[1]:
            if _kind(item, kinds) not in (TEXT, NUMBER):
                raise _type("a list holds texts or numbers")
        return LIST
    if op in ("and", "or"):
        for part in node[1]:
            _want(part, kinds, (BOOL,), f"'{op}' joins yes/no values")
        return BOOL
    if op == "not":
        _want(node[1], kinds, (BOOL,), "'not' takes a yes/no value")
        return BOOL
    if op == "neg":
        return _want(node[1], kinds, (NUMBER,), "'-' takes a number")
    if op == "bin":
        a = _want(node[2], kinds, (NUMBER, DATE), f"'{node[1]}' takes numbers")
        b = _want(node[3], kinds, (NUMBER,) if a == DATE else (NUMBER, DATE), f"'{node[1]}' takes numbers")
        if DATE in (a, b) and node[1] not in "+-":
            raise _type(f"'{node[1]}' takes numbers", "dates can only be added to or subtracted from")
        return DATE if DATE in (a, b) else NUMBER
    if op == "cmp":
        return _compare(node, kinds)
    if op == "if":
        _want(node[1], kinds, (BOOL,), "the test of 'if' is a yes/no value")
        a, b = _kind(node[2], kinds), _kind(node[3], kinds)
        if NULL not in (a, b) and a != b:
            raise _type(f"both branches of 'if … else' give the same kind, not {_NAMES[a]} and {_NAMES[b]}")
        return b if a == NULL else a
    if op == "call":
        return _call(node, kinds)
    raise _syntax(f"unknown node {op!r}")


def _want(node: Tree, kinds: Kinds, allowed: tuple[str, ...], message: str) -> str:
    kind = _kind(node, kinds)
    if kind not in allowed and kind != NULL:
        raise _type(f"{message}, got {_NAMES[kind]}")
    return kind


def _compare(node: Tree, kinds: Kinds) -> str:
    op, a, b = node[1], _kind(node[2], kinds), _kind(node[3], kinds)
    if op in ("in", "not in"):
        if b not in (LIST, NULL):
            raise _type(f"'{op}' looks in a list or a multiple choice, got {_NAMES[b]}")
        if a == LIST:  # any of a multiple choice in a list
            return BOOL
        if a not in (TEXT, NUMBER, NULL):
            raise _type(f"'{op}' looks for a text or a number, got {_NAMES[a]}")
        return BOOL
    if NULL in (a, b):
        if op not in ("==", "!="):
            raise _type("only == and != compare with null")
        return BOOL
    if a != b:
        raise _type(f"cannot compare {_NAMES[a]} with {_NAMES[b]}")
    if op not in ("==", "!=") and a not in (NUMBER, DATE, DATETIME, TEXT):
        raise _type(f"{_NAMES[a]} can only be compared with == and !=")
    return BOOL


def _call(node: Tree, kinds: Kinds) -> str:
    name, args = node[1], node[2]
    params, result, _ = FUNCTIONS[name]
    if len(args) != len(params):
        plural = "s" if len(params) != 1 else ""
        raise _type(f"{name}() takes {len(params)} argument{plural}, got {len(args)}")
    for arg, allowed in zip(args, params, strict=True):
        _want(arg, kinds, allowed, f"{name}() takes {' or '.join(_NAMES[k] for k in allowed)}")
    return result


# --- evaluating ---------------------------------------------------------------------------

def evaluate(tree: Tree, values: Mapping[str, Any]) -> Any:
    """The value of a checked tree over a form's values (numbers as Decimal, dates as date)."""
    op = tree[0]
    if op == "lit":
        return tree[1]
    if op == "num":
        return Decimal(tree[1])
    if op == "field":
        return _number(values.get(tree[1]))
    if op == "col":
        return [_number(row.get(tree[2])) for row in values.get(tree[1]) or ()]
    if op == "list":
        return [evaluate(item, values) for item in tree[1]]
    if op == "and":
        return all(evaluate(part, values) is True for part in tree[1])
    if op == "or":
        return any(evaluate(part, values) is True for part in tree[1])
    if op == "not":
        return evaluate(tree[1], values) is not True
    if op == "neg":
        value = evaluate(tree[1], values)
        return None if value is None else -value
    if op == "bin":
        return _arith(tree[1], evaluate(tree[2], values), evaluate(tree[3], values))
    if op == "cmp":
        return _test(tree[1], evaluate(tree[2], values), evaluate(tree[3], values))
    if op == "if":
        return evaluate(tree[2] if evaluate(tree[1], values) is True else tree[3], values)
    if op == "call":
        return FUNCTIONS[tree[1]][2](*[evaluate(a, values) for a in tree[2]])
    raise ValueError(f"unknown node {op!r}")


def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str) and value == "":
        return None
    return value


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return Decimal((a - b).days)  # days between (the checker allows only date - date)
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        days = dt.timedelta(days=int(b if isinstance(a, dt.date) else a))
        base = a if isinstance(a, dt.date) else b
        return base + days if op == "+" else base - days
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return a / b
    except (DivisionByZero, InvalidOperation, ZeroDivisionError):
        return None  # 0 members: no per-capita value, not a crash


def _test(op: str, a: Any, b: Any) -> bool:
    if op in ("in", "not in"):
        if b is None:
            return op == "not in"
        found = any(v in b for v in a) if isinstance(a, list) else a in b
        return found if op == "in" else not found
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if a is None or b is None:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _present(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None]


def _sum(column: list[Any] | None) -> Decimal:
    return sum(_present(column or []), Decimal(0))


def _count(rows: Any) -> Decimal:
    return Decimal(len(rows or []))


def _extreme(pick: Callable[..., Any]) -> Callable[[list[Any] | None], Any]:
    def f(column: list[Any] | None) -> Any:
        present = _present(column or [])
        return pick(present) if present else None
    return f


def _round(value: Any, digits: Any) -> Any:
    if value is None or digits is None:
        return None
    return value.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


def _length(value: Any) -> Decimal:
    return Decimal(len(value or ""))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _age(born: Any) -> Any:
    """Whole years since a date, or since the birth date inside a 居民身份证号码."""
    if isinstance(born, str):
        try:
            born = dt.date(int(born[6:10]), int(born[10:12]), int(born[12:14]))
        except ValueError:
            return None
    if not isinstance(born, dt.date):
        return None
    today = dt.date.today()
    return Decimal(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def _today() -> dt.date:
    return dt.date.today()


_ANY = (NUMBER, TEXT, BOOL, DATE, DATETIME, LIST, TABLE, COLUMN, FILES)

# name -> (argument kinds, result kind, implementation). The browser mirror has the same table.
FUNCTIONS: dict[str, tuple[tuple[tuple[str, ...], ...], str, Callable[..., Any]]] = {
    "sum": (((COLUMN,),), NUMBER, _sum),
    "count": (((TABLE, FILES),), NUMBER, _count),
    "min": (((COLUMN,),), NUMBER, _extreme(min)),
    "max": (((COLUMN,),), NUMBER, _extreme(max)),
    "round": (((NUMBER,), (NUMBER,)), NUMBER, _round),
    "len": (((TEXT,),), NUMBER, _length),
    "empty": ((_ANY,), BOOL, _empty),
    "age": (((DATE, TEXT),), NUMBER, _age),
    "today": ((), DATE, _today),
}
