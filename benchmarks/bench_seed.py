"""Seed speed: generate and load one year of a large system (≥1,000,000 events) on SQLite.

Usage: python benchmarks/bench_seed.py [--size large] [--days 365] [--seed 1] [--profile FILE]
Prints wall time, events/s, CPU time of the loader and of the generator process, and peak RSS
of each, then the calibration figures. `--profile` runs the load in-process under cProfile
(generation and loading then share one CPU) and writes the stats to FILE.
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import tempfile
import time
from datetime import date

from rich.console import Console

from seed.commands import print_report, seed_database
from seed.generate import RunSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2024, 4, 1))
    parser.add_argument("--profile", help="write cProfile stats of an in-process load here")
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/bench-seed.sqlite3"
    spec = RunSpec.of(args.size, args.days, args.seed, args.start)
    console = Console(stderr=True)
    started = time.perf_counter()
    if args.profile:
        profiler = cProfile.Profile()
        report = profiler.runcall(seed_database, url, spec, console=console, parallel=False)
        profiler.dump_stats(args.profile)
    else:
        report = seed_database(url, spec, console=console)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    events = report.load.accepted
    print(f"{args.size}, {args.days} days: {events:,} events in {wall:,.1f} s wall")
    print(f"  {events / wall:,.0f} events/s overall; load alone {report.load.seconds:,.1f} s")
    print(
        f"  CPU: loader {own.ru_utime + own.ru_stime:,.1f} s, generator process "
        f"{child.ru_utime + child.ru_stime:,.1f} s"
    )
    print(
        f"  peak RSS: loader {own.ru_maxrss / 1024:,.0f} MiB, generator process "
        f"{child.ru_maxrss / 1024:,.0f} MiB"
    )
    print_report(Console(), report)


if __name__ == "__main__":
    main()
