"""Benchmark: due dates and lights of open cases by the working-day clock, beside a plain
weekday loop.

    .venv/bin/python bench/due_dates.py [--cases 1000000]

In the same run, over the same cases (acceptance days in 2025–2026, limits of 1–60 working
days, one in ten with a 补正 pause):
  clock     portal.core.workdays.Calendar.due: chinese-calendar, the demo center's 2027 schedule,
            pauses not counted (two binary searches per case over the kept working days),
            then the case's light (portal.supervision.Thresholds, the center's yellow threshold)
  baseline  the same loop with the best plain algorithm for a fixed rule: Monday–Friday, no
            holidays, no pauses, one binary search per case over a precomputed list of
            weekdays; the light by the same comparisons
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portal.cases.supervision import GREEN, RED, YELLOW, Thresholds  # noqa: E402
from portal.core.workdays import Calendar  # noqa: E402
from portal.site import load_site  # noqa: E402


class Weekdays:
    """Monday–Friday from ``start`` on, kept once: the n-th weekday after a day by one bisect."""

    def __init__(self, start: dt.date, years: int = 4) -> None:
        days = (start + dt.timedelta(days=i) for i in range(366 * years))
        self.days = [d for d in days if d.weekday() < 5]

    def due(self, accepted: dt.date, days: int) -> dt.date:
        return self.days[bisect.bisect_right(self.days, accepted) + days - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    site, problems = load_site(REPO)
    assert site is not None, problems
    rng = random.Random(2026)
    start = dt.date(2025, 1, 1)
    cases = []
    for _ in range(args.cases):
        accepted = start + dt.timedelta(days=rng.randrange(730))
        pauses = ()
        if rng.random() < 0.1:
            stopped = accepted + dt.timedelta(days=rng.randrange(1, 10))
            pauses = ((stopped, stopped + dt.timedelta(days=rng.randrange(1, 15))),)
        cases.append((accepted, rng.randrange(1, 61), pauses))

    today, yellow = dt.date(2026, 11, 27), site.center["lights"]["yellow_days_left"]
    calendar = Calendar.of_center(site.center)
    calendar.due(start, 1)  # keep the first year (the cost of a worker's first request)
    t0 = time.perf_counter()
    th = Thresholds.of(calendar, today, yellow)
    lights = {}
    for accepted, days, pauses in cases:
        light = th.light("accepted", calendar.due(accepted, days, pauses).day)
        lights[light] = lights.get(light, 0) + 1
    ours = time.perf_counter() - t0
    weekdays = Weekdays(start - dt.timedelta(days=7))
    t0 = time.perf_counter()
    yellow_until = weekdays.due(today, yellow)
    plain_lights = {}
    for accepted, days, _ in cases:
        due = weekdays.due(accepted, days)
        light = RED if due < today else YELLOW if due <= yellow_until else GREEN
        plain_lights[light] = plain_lights.get(light, 0) + 1
    plain = time.perf_counter() - t0
    n = len(cases)
    print(f"due dates and lights of {n} open cases (today {today}, yellow at {yellow} working days left)")
    print(f"  working-day clock (holidays, 调休, pauses): {ours:.2f} s ({ours / n * 1e6:.2f} µs each)")
    print(f"  baseline, weekday bisect:                   {plain:.2f} s ({plain / n * 1e6:.2f} µs each)")
    print(f"  ratio clock / baseline:                     {ours / plain:.2f}")
    print(f"  lights: clock {lights}, baseline {plain_lights}")


if __name__ == "__main__":
    main()
