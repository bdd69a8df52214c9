"""SPC speed: metrics.spc.spc on 10 years of daily points (issue target: well under 50 ms).

Usage: python benchmarks/bench_spc.py [--repeat N]
Prints the median and worst time for a plain series and for one with three rebases and
limits fixed after 30 points.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from metrics.spc import spc


def series(days: int = 3_653) -> pd.Series:
    rng = np.random.default_rng(7)
    index = pd.date_range("2015-01-01", periods=days, freq="D")
    weekly = 10 * np.sin(np.arange(days) * 2 * np.pi / 7)
    return pd.Series(200 + weekly + rng.normal(0, 15, days), index=index)


def timed(repeat: int, **options: object) -> list[float]:
    data = series()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        spc(data, improvement="decrease", target=180, **options)  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rebases = tuple(series().index[[900, 1800, 2700]])
    cases = {
        "3,653 daily points": {},
        "same, 3 rebases, fixed after 30": {"rebase": rebases, "fix_after_n_points": 30},
    }
    for name, options in cases.items():
        times = timed(args.repeat, **options)
        print(f"{name:36} median {statistics.median(times):6.1f} ms   worst {max(times):6.1f} ms")


if __name__ == "__main__":
    main()
