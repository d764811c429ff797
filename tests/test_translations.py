"""Chinese first: every text the engine shows has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from portal.core.problems import CODES
from portal.web.entities import ENTITIES
from tests.support.sites import REPO

PO = REPO / "portal" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
STRING = r'"((?:[^"\\]|\\.)+)"'  # a quoted msgid
# a call and its msgid: one quoted string, or several written one after the other
CALL = re.compile(r"\b(?:_l|_|N_|gettext|lazy_gettext)\(\s*((?:" + STRING + r"\s*)+)")


def _msgids() -> set[str]:
    found = set()
    for path in (REPO / "portal").rglob("*"):
        if path.suffix in (".py", ".html"):
            for match in CALL.finditer(path.read_text(encoding="utf-8")):
                found.add("".join(re.findall(STRING, match.group(1))))
    for entity in ENTITIES:
        found |= {entity.menu, entity.category}
    found |= {code.title for code in CODES.values()}  # what each checker code means
    return found


def test_every_message_has_a_chinese_translation() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in _msgids() if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_the_scan_finds_the_engine_messages() -> None:
    found = _msgids()
    assert {"Seven public disclosures", "Cases", "Export CSV"} <= found
    # written over two and over three lines
    assert any(m.startswith("Wrong user name or password") and m.endswith("failed sign-ins.") for m in found)
    assert any(m.startswith("Case %(number)s was taken") and m.endswith("parallel approval.") for m in found)


def test_po_file_is_valid(tmp_path: Path) -> None:
    from babel.messages.mofile import write_mo

    with PO.open("rb") as handle:
        catalog = read_po(handle)
    with (tmp_path / "messages.mo").open("wb") as out:
        write_mo(out, catalog)
    assert len(catalog) > 80


def test_a_request_that_switches_language_midway_gets_each_in_turn(app) -> None:
    """The translations are kept for the request (portal/web/i18n.py), but not past a switch."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, lazy_gettext

    def shown() -> tuple[str, str, str]:
        return (gettext("Search"), str(lazy_gettext("Search")), render_template_string("{{ _('Search') }}"))

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert shown() == ("搜索",) * 3
        with force_locale("en"):
            assert shown() == ("Search",) * 3
        assert shown() == ("搜索",) * 3
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}), force_locale("en"):
        assert shown() == ("Search",) * 3  # the first lookup of this request, in English
