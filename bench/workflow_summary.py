"""The summary of bench/run_workflow.sh: its JSON lines (bench/out/workflow_*.jsonl) as tables.

usage: workflow_summary.py OUT_DIR PEER_OK(0|1) [OVERDUE_RAN(0|1), default 1]
Exit 1 when a keydesk run is missing or failed its verification, or an overdue query its checks.
"""
import json
import os
import sys

out, peer_ok = sys.argv[1], sys.argv[2] == "1"
overdue_ran = len(sys.argv) < 4 or sys.argv[3] == "1"


def lines(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


keydesk = lines("workflow_keydesk.jsonl")
loops = [j for j in keydesk if j["bench"] == "reissue_loop"]
steps = [j for j in keydesk if j["bench"] == "reissue_loop_step"]
over = lines("workflow_overdue.jsonl")
peer = {j["mode"]: j for j in lines("workflow_peer.jsonl")}
REFERENCE = {"durable": 27.8, "memory": 108.0}
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
failed = False


def relaxed(j):
    return j["synchronous"] in ("normal", "off")


def commit_label(j):
    if j["backend"] == "sqlite":
        return f"WAL, synchronous={j['synchronous'].upper()}" + ("" if relaxed(j) else " (as shipped)")
    return f"synchronous_commit={j['synchronous']}" + ("" if relaxed(j) else " (as shipped)")


def verified(j):
    return (j["completed"] == j["cases"] and j["keys_reissued"] == j["cases"]
            and j["outbox"] == j["cases"] and j["audit_intact"])


runs = {}  # (backend, relaxed, clients) -> run
for j in loops:
    runs[(j["backend"], relaxed(j), j["clients"])] = j
    if not verified(j):
        failed = True
backends = [b for b in ("sqlite", "postgresql") if any(k[0] == b for k in runs)]
clients = sorted({k[2] for k in runs})
if not loops:
    print("== reissue loop: no result (see above)")
    failed = True

# --- cases/s --------------------------------------------------------------------------------------
if loops:
    cases = loops[0]["cases"]
    print(f"== reissue loop, cases/s ({loops[0]['actions_per_case']} committed transactions a case, "
          f"{cases:,} cases a run, every run verified: final state, key serial, outbox, audit chain)")
    head = "".join(f"{str(c) + (' client' if c == 1 else ' clients'):>12}" for c in clients)
    print(f"  {'backend':<11} {'commit':<40}{head}")
    for rel in (False, True):
        for b in backends:
            row = [runs.get((b, rel, c)) for c in clients]
            if not any(row):
                continue
            label = commit_label(next(r for r in row if r))
            cells = "".join(f"{r['cases_per_s']:>12,.1f}" if r else f"{'-':>12}" for r in row)
            print(f"  {NAMES[b]:<11} {label:<40}{cells}")
    bad = [j for j in loops if not verified(j)]
    for j in bad:
        print(f"  VERIFICATION FAILED: {NAMES[j['backend']]} {j['clients']} clients "
              f"{j['synchronous']}: completed {j['completed']}/{j['cases']}, keys "
              f"{j['keys_reissued']}, outbox {j['outbox']}, audit "
              f"{'intact' if j['audit_intact'] else 'BROKEN'}")
    retries = [j for j in loops if j["busy_retries"]]
    for j in retries:
        print(f"  {NAMES[j['backend']]} {j['clients']} clients {j['synchronous']}: "
              f"{j['busy_retries']} actions told 'busy' and tried again")

    # --- ratios ---------------------------------------------------------------------------------
    print()
    print("== ratios")
    if len(backends) == 2:
        for rel in (False, True):
            cells = []
            for c in clients:
                s, p = runs.get(("sqlite", rel, c)), runs.get(("postgresql", rel, c))
                if s and p:
                    cells.append(f"{c:>2} {'client ' if c == 1 else 'clients'} "
                                 f"{p['cases_per_s'] / s['cases_per_s']:5.2f}x")
            if cells:
                print(f"  PostgreSQL / SQLite, {'relaxed' if rel else 'as shipped'}:".ljust(40)
                      + "   ".join(cells))
    for rel in (False, True):
        for b in backends:
            one = runs.get((b, rel, 1))
            cells = [f"{c:>2} clients {runs[(b, rel, c)]['cases_per_s'] / one['cases_per_s']:5.2f}x"
                     for c in clients if c != 1 and one and (b, rel, c) in runs]
            if cells:
                print(f"  {NAMES[b]} N clients / 1, {'relaxed' if rel else 'as shipped'}:".ljust(40)
                      + "   ".join(cells))
    for b in backends:
        cells = []
        for c in clients:
            full, rel = runs.get((b, False, c)), runs.get((b, True, c))
            if full and rel:
                cells.append(f"{c:>2} {'client ' if c == 1 else 'clients'} "
                             f"{rel['cases_per_s'] / full['cases_per_s']:5.2f}x")
        if cells:
            print(f"  {NAMES[b]} relaxed / as shipped:".ljust(40) + "   ".join(cells))

    # --- where the time goes --------------------------------------------------------------------
    print()
    print("== where the time goes, per committed action (µs; totals over the timed loop / actions)")
    print("   wall: the loop's time / actions (with N clients: the store's time per action, the")
    print("   inverse of throughput); client CPU: this process (the engine; on SQLite the database")
    print("   too); server CPU: PostgreSQL's processes; flush: time in fsync/fdatasync at commit")
    print("   (SQLite: VFS xSync; PostgreSQL: pg_stat_wal wal_sync_time); lock sleep: SQLite's busy")
    print("   handler sleeping for the write lock, summed over clients (they sleep at once);")
    print("   rest: wall - client CPU - server CPU - flush (waits, round trips, scheduling; negative")
    print("   where CPU of several clients overlaps on the 2 cores)")
    cols = ("wall", "client CPU", "server CPU", "flush", "flushes", "lock sleep", "rest",
            "WAL B", "latency p50", "p99 worst")
    print(f"  {'run':<36}" + "".join(f"{c:>11}" for c in cols))
    for rel in (False, True):
        for c in clients:
            for b in backends:
                j = runs.get((b, rel, c))
                if not j:
                    continue
                n = j["actions"]
                us = lambda s: s * 1e6 / n  # noqa: E731
                wall, ccpu = us(j["seconds"]), us(j["client_cpu_s"])
                scpu = us(j["server_cpu_s"]) if j["server_cpu_s"] is not None else None
                flush = us(j["flush_s"]) if j["flush_s"] is not None else None
                rest = wall - ccpu - (scpu or 0) - (flush or 0)
                mine = [s for s in steps if s["backend"] == b and s["clients"] == c
                        and s["synchronous"] == j["synchronous"]]
                p50 = sum(s["p50_us"] * s["count"] for s in mine) / max(1, sum(s["count"] for s in mine))
                p99 = max((s["p99_us"] for s in mine), default=0)
                fmt = lambda v, f="{:,.0f}": f.format(v) if v is not None else "-"  # noqa: E731
                cells = [fmt(wall), fmt(ccpu), fmt(scpu), fmt(flush),
                         fmt(j["flushes"] / n, "{:.2f}"), fmt(us(j["lock_sleep_s"])),
                         fmt(rest), fmt(j["wal_bytes"] / n if b == "postgresql" else None),
                         fmt(p50), fmt(p99)]
                label = f"{NAMES[b]} {c:>2} cl. {'relaxed' if rel else 'shipped'}"
                print(f"  {label:<36}" + "".join(f"{x:>11}" for x in cells))
    print("   latency p50: an action's median from call to return, averaged over the route's steps;")
    print("   p99 worst: the highest step p99")

    # --- against the peer -----------------------------------------------------------------------
    print()
    rows = []
    for b in backends:
        for rel in (False, True):
            j = runs.get((b, rel, 1))
            if j:
                rows.append((f"keydesk {NAMES[b]}, 1 client, {commit_label(j)}", j["cases"],
                             j["cases_per_s"]))
    peer_rate = {}
    labels = {"durable": "bpmn-engine durable (state->file+fsync->recover each wait)",
              "durable_nofsync": "bpmn-engine durable, no fsync",
              "memory": "bpmn-engine in memory"}
    if peer_ok and peer:
        for mode in ("durable", "durable_nofsync", "memory"):
            if mode in peer:
                p = peer[mode]
                peer_rate[mode] = p["cases_per_s"]
                rows.append((labels[mode] + f" [measured, {p['version']}]", p["cases"],
                             p["cases_per_s"]))
    for mode, rate in REFERENCE.items():
        rows.append((labels[mode] + " [REFERENCE, issue]", None, rate))
    print("== against the peer (cases/s)")
    w = max(len(r[0]) for r in rows)
    for label, n, rate in rows:
        print(f"  {label:<{w}} {n if n else '-':>7} {rate:>9,.1f}")
    print("== keydesk / durable peer (goal: >= 20x)")
    durable = [(f"measured", peer_rate["durable"])] if "durable" in peer_rate else []
    durable.append(("REFERENCE", REFERENCE["durable"]))
    for b in backends:
        for rel in (False, True):
            j = runs.get((b, rel, 1))
            if not j:
                continue
            for pname, prate in durable:
                ratio = j["cases_per_s"] / prate
                print(f"  keydesk {NAMES[b]} {j['synchronous']:<6} / bpmn-engine durable [{pname}]"
                      f"{ratio:>8.1f}x  {'PASS' if ratio >= 20 else 'below 20x'}")

# --- overdue --------------------------------------------------------------------------------------
print()
print("== overdue list (CaseStore::overdue(today, all authorities, 1000)), goal < 50 ms median and max")
for o in over:
    if not o["rows_checked"]:
        failed = True
    print(f"  {NAMES[o['backend']]}: {o['cases']:,} open cases, {o['overdue_cases']:,} overdue -> "
          f"{o['rows']} rows: median {o['median_ms']:.2f} ms, max {o['max_ms']:.2f} ms over "
          f"{o['runs']} runs (warm-up {o['first_ms']:.2f} ms): {o['result']}; rows "
          f"{'checked' if o['rows_checked'] else 'WRONG'}")
    print(f"    the database's part (the query, rows read as text): median {o['query_median_ms']:.2f} ms;"
          f" the engine's (rows into CaseRecords, each submission's JSON parsed): "
          f"{o['median_ms'] - o['query_median_ms']:.2f} ms; database {o['db_bytes'] / 1e9:.2f} GB")
    print(f"    plan: {o['plan']}")
if not over and overdue_ran:
    print("  no result (see above)")
    failed = True
elif not over:
    print("  not run")
sys.exit(1 if failed else 0)
