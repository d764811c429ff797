"""Benchmark: check and publish a large site, beside a bare YAML parse of the same files.

    .venv/bin/python bench/check_large_site.py [--distinct] [--rounds N]
        [--subcenters 50 --towns 40 --per-subcenter 200]

The site has 50 sub-centers, each offering 200 items. By default it is shaped like a real
county: 10 department sub-centers with 200 items of their own and 40 town centers offering
the same 200 town items (2,200 catalog files, 10,000 offers). ``--distinct`` gives every
sub-center 200 items of its own (10,000 catalog files).

Figures are medians over the rounds, all measured in this run:
  check        portal's two-pass check (`load_site`), cold: no shape cache
  check warm   the same with the shape cache filled and one item file edited (the edit loop)
  c_safe_load  `yaml.load(..., CSafeLoader)` of the same files: the baseline (libyaml, the
               parser the engine uses)
  safe_load    pure-Python `yaml.safe_load` of the same files, for reference
  publish      `portal sync`'s publish step into a fresh database
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portal.site import load_site  # noqa: E402

SUBCENTERS, TOWNS, PER_SUBCENTER = 50, 40, 200  # the defaults: a real county's size


def generate(root: Path, distinct: bool, subcenters: int = SUBCENTERS, towns: int = TOWNS,
             per_subcenter: int = PER_SUBCENTER) -> int:
    """Write the large site below ``root``; return the number of YAML files."""
    template = (REPO / "schema/items/mz-dibao.yaml").read_text(encoding="utf-8")
    (root / "schema/items").mkdir(parents=True)
    (root / "schema/subcenters").mkdir(parents=True)
    (root / "print_templates").mkdir()
    for name in ("dibao-card.html", "base.css"):
        (root / "print_templates" / name).write_text(
            (REPO / "print_templates" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (root / "schema/center.yaml").write_text(
        (REPO / "schema/center.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "forms").mkdir()  # the form every cloned item names (form: mz-dibao)
    (root / "forms/mz-dibao.yaml").write_text(
        (REPO / "forms/mz-dibao.yaml").read_text(encoding="utf-8"), encoding="utf-8")

    def item(code: str, n: int) -> None:
        text = template.replace("code: mz-dibao", f"code: {code}").replace(
            "name: 城乡最低生活保障对象认定", f"name: 城乡最低生活保障对象认定（第{n}项）")
        (root / "schema/items" / f"{code}.yaml").write_text(text, encoding="utf-8")

    files = 1
    department_count = subcenters if distinct else subcenters - towns
    town_items = [f"town-{i:03d}" for i in range(per_subcenter)]
    if not distinct:
        for i, code in enumerate(town_items):
            item(code, i)
            files += 1
    chinese_digits = "零一二三四五六七八九"
    for s in range(subcenters):
        department = s < department_count
        code = f"s{s:02d}"
        xx = "".join(chinese_digits[int(d)] for d in f"{s:02d}")
        name = f"第{xx}部门" if department else f"第{xx}镇"
        windows = [f"W{s:02d}{w}" for w in range(4)]
        if department:
            codes = [f"{code}-i{i:03d}" for i in range(per_subcenter)]
            for i, item_code in enumerate(codes):
                item(item_code, s * 1000 + i)
                files += 1
        else:
            codes = town_items
        lines = [f"code: {code}", f"kind: {'subcenter' if department else 'town_center'}",
                 f"name: {name}", "department: 句容市某局", "address: 句容市华阳镇某路1号",
                 "phone: 0511-87280000", "hours: 工作日 8:30—17:30", "windows:"]
        for w in windows:
            lines += [f"  - code: {w}", f"    name: 窗口{w}", "    department: 某科"]
        lines.append("items:")
        for i, item_code in enumerate(codes):
            lines += [f"  - item: {item_code}", f"    windows: [{windows[i % 4]}]"]
            if i % 10 == 0:  # some sub-centers tighten the promised limit, steps restated
                lines += ["    promised_days: 18", "    steps:",
                          "      - {name: 受理, role: clerk, days: 1}",
                          "      - {name: 审核, role: manager, days: 8}",
                          "      - {name: 决定, role: manager, days: 8}",
                          "      - {name: 办结, role: clerk, days: 1}"]
        (root / "schema/subcenters" / f"{code}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        files += 1
    return files


def yaml_files(root: Path) -> list[Path]:
    return sorted((root / "schema").rglob("*.yaml"))


def bare_parse(paths: list[Path], loader: type) -> None:
    for path in paths:
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def publish_time(root: Path, url: str) -> float:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.models import db
    from portal.site.publish import publish

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "b" * 40})
    site, problems = load_site(root)
    assert site is not None, problems[:5]
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        publish(db.session, site, by="bench")
        elapsed = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--distinct", action="store_true", help="10,000 distinct catalog items")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-publish", action="store_true")
    parser.add_argument("--subcenters", type=int, default=SUBCENTERS)
    parser.add_argument("--towns", type=int, default=TOWNS)
    parser.add_argument("--per-subcenter", type=int, default=PER_SUBCENTER)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        files = generate(root, args.distinct, args.subcenters, args.towns, args.per_subcenter)
        site, problems = load_site(root)
        assert site is not None and not problems, [str(p) for p in problems[:5]]
        offers = sum(len(s.offerings) for s in site.subcenters.values())
        paths = yaml_files(root)
        size = sum(p.stat().st_size for p in paths)
        print(f"site: {len(site.subcenters)} sub-centers, {len(site.items)} catalog items, "
              f"{offers} offers, {files} YAML files, {size / 1e6:.1f} MB")
        check = timed(lambda: load_site(root, use_cache=False), args.rounds)
        os.environ["PORTAL_CACHE_DIR"] = str(Path(tmp) / "cache")
        load_site(root)
        edited = sorted((root / "schema/items").glob("*.yaml"))[7]
        text = edited.read_text(encoding="utf-8")

        def edit_and_check() -> None:
            edited.write_text(text.replace("（第", f"（{time.time_ns()}第"), encoding="utf-8")
            load_site(root)

        warm = timed(edit_and_check, args.rounds)
        safe = timed(lambda: bare_parse(paths, yaml.SafeLoader), args.rounds)
        csafe = timed(lambda: bare_parse(paths, yaml.CSafeLoader), args.rounds)
        print(f"check        {check:7.2f} s   ({os.cpu_count()} CPUs)")
        print(f"check warm   {warm:7.2f} s")
        print(f"c_safe_load  {csafe:7.2f} s   check / c_safe_load = {check / csafe:.2f}   (baseline)")
        print(f"safe_load    {safe:7.2f} s   check / safe_load   = {check / safe:.2f}   (pure Python)")
        if not args.no_publish:
            sqlite_url = "sqlite:///" + str(Path(tmp) / "bench.db")
            print(f"publish (SQLite)      {publish_time(root, sqlite_url):7.2f} s")
            pg = os.environ.get("PORTAL_TEST_POSTGRES_URL")
            if pg:
                from bench.postgres import private_schema

                with private_schema(pg) as url:
                    print(f"publish (PostgreSQL)  {publish_time(root, url):7.2f} s")

if __name__ == "__main__":
    main()
