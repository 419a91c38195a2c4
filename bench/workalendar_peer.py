#!/usr/bin/python3
"""Peer of calendar_bench: the same queries against python3-workalendar's China calendar.

Contract (identical to calendar_bench):
  - every query is parsed before any timing;
  - add and between queries are timed separately with time.perf_counter, in whole passes over
    all queries of that kind, until at least --min-seconds have elapsed (one pass at minimum);
  - one JSON line per kind on stdout: impl, op, queries, passes, seconds, ops_per_s, checksum
    (checksum: over the first pass, the sum of add results as days since 1970-01-01, or the sum
    of between counts);
  - --answers FILE writes "<query line> <answer>" for every query, in file order.
Run with /usr/bin/python3: the Debian package is not visible to other interpreters.
"""
import argparse
import datetime as dt
import json
import sys
import time
import warnings

# workalendar warns "Support years 2018-2023 currently" on every year it computes.
warnings.filterwarnings("ignore", message="Support years")
from workalendar.asia import China  # noqa: E402

EPOCH = dt.date(1970, 1, 1)


def parse(path):
    """[(kind, a, b, line)] in file order; a and b are dates, or a date and an int for add."""
    queries = []
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, 1):
            words = line.split()
            if not words:
                continue
            if len(words) != 3 or words[0] not in ("add", "between"):
                sys.exit(f"{path}:{number}: expected 'add DATE N' or 'between A B'")
            kind, x, y = words
            a = dt.date.fromisoformat(x)
            b = int(y) if kind == "add" else dt.date.fromisoformat(y)
            queries.append((kind, a, b, " ".join(words)))
    return queries


def timed(op, args, fn, min_seconds):
    """Runs fn over args in whole passes; returns (first pass results, JSON record)."""
    passes, first = 0, None
    start = time.perf_counter()
    while True:
        results = [fn(a, b) for a, b in args]
        passes += 1
        if first is None:
            first = results
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
    checksum = sum((r - EPOCH).days if op == "add" else r for r in first)
    record = {"impl": "workalendar", "op": op, "queries": len(args), "passes": passes,
              "seconds": round(elapsed, 6), "ops_per_s": round(passes * len(args) / elapsed, 1),
              "checksum": checksum}
    return first, record


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("queries", help="query file written by gen_queries.py")
    p.add_argument("--answers", help="write '<query> <answer>' lines here")
    p.add_argument("--min-seconds", type=float, default=0.5)
    a = p.parse_args()

    queries = parse(a.queries)
    cal = China()
    answers = {}
    for op, fn in (("add", cal.add_working_days), ("between", cal.get_working_days_delta)):
        args = [(x, y) for kind, x, y, _ in queries if kind == op]
        if not args:
            continue
        results, record = timed(op, args, fn, a.min_seconds)
        answers[op] = iter(results)
        print(json.dumps(record), flush=True)

    if a.answers:
        with open(a.answers, "w", encoding="ascii") as f:
            for kind, _, _, line in queries:
                r = next(answers[kind])
                f.write(f"{line} {r.isoformat() if kind == 'add' else r}\n")


if __name__ == "__main__":
    main()
