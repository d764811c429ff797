"""The shape cache only saves time: results with and without it are the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.site import load_site
from tests.support.sites import make_example


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("PORTAL_CACHE_DIR", str(directory))
    return directory


def test_second_run_is_served_from_the_cache_with_identical_results(demo_site: Path, cache: Path) -> None:
    cold_site, cold = load_site(demo_site)
    assert list(cache.iterdir()), "the first run writes the cache"
    warm_site, warm = load_site(demo_site)
    uncached_site, uncached = load_site(demo_site, use_cache=False)
    assert cold == warm == uncached == []
    assert cold_site.content_hash == warm_site.content_hash == uncached_site.content_hash


def test_an_edited_file_is_checked_again(tmp_path: Path, cache: Path) -> None:
    root = make_example("schema.W003", tmp_path / "site")
    load_site(root)
    path = root / "schema/items/mz-dibao.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("copies: 1", "copies: two", 1),
                    encoding="utf-8")
    _, problems = load_site(root)
    assert "schema.E021" in {p.code for p in problems}
    # lines of problems found in cached files are still right
    _, again = load_site(root)
    assert again == problems


def test_problems_of_cached_files_keep_their_lines(tmp_path: Path, cache: Path) -> None:
    root = make_example("schema.E042", tmp_path / "site")
    _, first = load_site(root)
    _, second = load_site(root)
    assert first == second and first[0].line == 15


def test_an_empty_setting_turns_the_cache_off(demo_site: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    site, problems = load_site(demo_site)
    assert site is not None and problems == []
    assert not (tmp_path / "home").exists()


def test_a_corrupt_cache_file_is_ignored(demo_site: Path, cache: Path) -> None:
    load_site(demo_site)
    for path in cache.iterdir():
        path.write_bytes(b"not a pickle")
    site, problems = load_site(demo_site)
    assert site is not None and problems == []


def test_an_unwritable_cache_does_not_fail_the_check(demo_site: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PORTAL_CACHE_DIR", os.fspath(blocker / "cache"))
    site, problems = load_site(demo_site)
    assert site is not None and problems == []


def test_the_same_site_checked_from_inside_and_from_its_parent(tmp_path: Path, cache: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``portal check .`` from inside the site, then ``portal check site`` from its parent: the
    second run finds the first run's entries, with the files where they are read from now."""
    root = make_example("schema.E051", tmp_path / "site")
    monkeypatch.chdir(root)
    _, inside = load_site(Path("."))
    monkeypatch.chdir(tmp_path)
    _, outside = load_site(Path("site"))
    assert outside == inside and inside[0].code == "schema.E051" and inside[0].line is not None


def test_the_cache_key_covers_every_module_the_checker_runs() -> None:
    """Changing any engine module the checker imports (the metrics table, the form types …)
    must miss the cache: its source is part of every key."""
    import grimp

    import portal
    from portal.site import cache as shape_cache

    graph = grimp.build_graph("portal")
    used = {"portal.site.checks", *graph.find_upstream_modules("portal.site.checks")}
    package = Path(portal.__file__).parent
    hashed = {".".join(p.relative_to(package.parent).with_suffix("").parts)
              for name in shape_cache.FINGERPRINTED for p in (package / name).glob("*.py")}
    assert {m for m in used if not m.endswith("__init__")} <= hashed
