#!/usr/bin/python3
"""Writes a deterministic calendar benchmark query file.

Lines, in a shuffled but seed-fixed order:
  add DATE N       the N-th working day strictly after DATE
  between A B      the number of working days in (A, B], A <= B
All dates lie in 2019-2023 and every answer stays inside 2023, the last year with data in
python3-workalendar's China calendar: add starts in 2019-01-01..2023-06-30 with N in 0..60,
between pairs are drawn from 2019-01-01..2023-12-31.
"""
import argparse
import datetime as dt
import random

ADD_FIRST, ADD_LAST = dt.date(2019, 1, 1), dt.date(2023, 6, 30)
SPAN_FIRST, SPAN_LAST = dt.date(2019, 1, 1), dt.date(2023, 12, 31)
MAX_N = 60


def random_date(rng, first, last):
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("output", help="query file to write")
    p.add_argument("--add", type=int, default=100_000, help="number of add queries")
    p.add_argument("--between", type=int, default=100_000, help="number of between queries")
    p.add_argument("--seed", type=int, default=20240601)
    a = p.parse_args()

    rng = random.Random(a.seed)
    lines = []
    for _ in range(a.add):
        d = random_date(rng, ADD_FIRST, ADD_LAST)
        lines.append(f"add {d.isoformat()} {rng.randint(0, MAX_N)}")
    for _ in range(a.between):
        x = random_date(rng, SPAN_FIRST, SPAN_LAST)
        y = random_date(rng, SPAN_FIRST, SPAN_LAST)
        lo, hi = min(x, y), max(x, y)
        lines.append(f"between {lo.isoformat()} {hi.isoformat()}")
    rng.shuffle(lines)
    with open(a.output, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
