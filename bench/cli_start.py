"""Benchmark: how long `portal --help` takes to start, beside a bare click command.

    .venv/bin/python bench/cli_start.py [--rounds 10]

In the same run, as separate processes of this virtualenv's Python:
  portal     `portal --help`: the command group, every command's module, Flask's CLI
  baseline   a click group with one command, importing flask.cli (what any Flask command pays)
  python     `python -c pass`, for reference
Figures are medians; the goal is `portal --help` ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BASELINE = """
import click
import flask.cli

@click.group()
def main():
    "A bare command group."

@main.command()
def hello():
    "Say hello."

main(["--help"], standalone_mode=False)
"""


def timed(command: list[str], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    timed([str(BIN / "portal"), "--help"], 1)  # warm the file cache
    portal = timed([str(BIN / "portal"), "--help"], args.rounds)
    baseline = timed([sys.executable, "-c", BASELINE], args.rounds)
    bare = timed([sys.executable, "-c", "pass"], args.rounds)
    print(f"portal --help        {portal * 1000:6.0f} ms")
    print(f"bare click + flask   {baseline * 1000:6.0f} ms   "
          f"ratio portal / baseline = {portal / baseline:.2f}")
    print(f"python -c pass       {bare * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
