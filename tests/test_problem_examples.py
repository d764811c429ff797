"""Every problem code has a failing example under tests/examples/, and the checker reports it."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.core.problems import CODES
from portal.site import load_site
from tests.support.sites import BASE, EXAMPLES, example_codes, make_example


def test_base_of_the_examples_is_clean() -> None:
    site, problems = load_site(BASE)
    assert problems == []
    assert site is not None


def test_every_code_has_an_example_and_every_example_a_code() -> None:
    assert example_codes() == sorted(CODES)


@pytest.mark.parametrize("code", example_codes())
def test_example_reports_its_code(code: str, tmp_path: Path) -> None:
    root = make_example(code, tmp_path / "site")
    site, problems = load_site(root)
    reported = [str(p) for p in problems]
    expected = (EXAMPLES / code / "EXPECT").read_text(encoding="utf-8").splitlines()
    assert code in {p.code for p in problems}
    assert reported == expected
    # an error blocks the site; a warning alone does not
    assert (site is None) == CODES[code].level.startswith("error")
