"""Time reading a PostgreSQL table into Parquet: sluice against psql's CSV export and duckdb.

    python bench/postgres.py bench --work DIR [--runs 5] [--table bench_rows]
    python bench/postgres.py check A_DIR B_DIR ROWS

bench/postgres.sh starts the server, makes the table and calls `bench` with the bench venv's
Python; the server is the one of SLUICE_TEST_PG_URL, SLUICE_TEST_PG_PASSWORD and SLUICE_TEST_PG_BIN
(scripts/servers.sh's env file). The two commands, each writing into a folder of its own:
  (A) `sluice run SPEC --no-history --no-cache`, SPEC being read_postgres → write_parquet through
      a connection given by SLUICE_CONN_BENCH_URL and SLUICE_CONN_BENCH_PASSWORD;
  (B) sh -c 'psql -c "\\copy (SELECT * FROM TABLE) TO DIR/rows.csv CSV HEADER" &&
      python bench/csv_to_parquet.py DIR/rows.csv DIR/rows.parquet'.
One round of both that is not timed comes first (it warms the caches) and its two files are
checked (`check`, in a process of its own): the same column types, the same row count as the
table, and no row of either missing from the other (EXCEPT ALL both ways, duplicates counted).
Then RUNS timed rounds, A then B; a run is measured from outside as in bench/bench.py (wall
time; CPU and peak RSS of the command and the processes it waited for). "server CPU" is what the PostgreSQL backends that ended during the run
used: the postmaster's children's CPU time before and after. Last, the COPY alone, by psql into
/dev/null: binary (as sluice sends it) and CSV.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import Run, machine, sluice_bin, sluice_flags, sluice_identity, tail, wait_for_sluice  # noqa: E402
from csv_to_parquet import COLUMNS, sql_string  # noqa: E402

LABELS = {
    "sluice": "(A) sluice run: read_postgres → write_parquet",
    "csv": "(B) psql \\copy to CSV, then duckdb CSV → Parquet",
}


def psql():
    return os.path.join(os.environ["SLUICE_TEST_PG_BIN"], "psql")


def pg_env():
    return dict(os.environ, PGPASSWORD=os.environ["SLUICE_TEST_PG_PASSWORD"])


def psql_query(sql):
    out = subprocess.run([psql(), "-X", "-q", "-At", "-d", os.environ["SLUICE_TEST_PG_URL"], "-c", sql],
                         env=pg_env(), capture_output=True, text=True, check=True)
    return out.stdout.strip()


def write_spec(work, table):
    """read_postgres → write_parquet into the folder of param `out`, in the order rows arrive."""
    spec = {
        "version": 1,
        "name": "postgres_bench",
        "params": {"out": {"type": "string", "default": "out", "description": "Folder the Parquet file is written to."}},
        "nodes": [
            {"id": "rows", "kind": "read_postgres", "params": {"connection": "bench", "schema": "public", "table": table}},
            {"id": "write_rows", "kind": "write_parquet", "inputs": {"input": "rows"},
             "params": {"path": "${out}/rows.parquet", "order_by": []}},
        ],
    }
    path = os.path.join(work, "postgres.sluice.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    return path


def commands(work, table):
    spec = write_spec(work, table)
    flags = sluice_flags()
    copy = f"\\copy (SELECT * FROM {table}) TO '$2/rows.csv' CSV HEADER"
    script = f'"$1" -X -q -d "$3" -c "{copy}" && exec "$4" "$5" "$2/rows.csv" "$2/rows.parquet"'
    return {
        "sluice": lambda out: [sluice_bin(), "run", spec, *flags, "--param", f"out={out}"],
        "csv": lambda out: ["sh", "-c", script, "sh", psql(), out, os.environ["SLUICE_TEST_PG_URL"], sys.executable,
                            os.path.join(HERE, "csv_to_parquet.py")],
    }


def env_for(impl, work):
    if impl == "sluice":
        # The bench connection only: no connections file of the user's is read.
        return dict(os.environ, SLUICE_CONNECTIONS=os.path.join(work, "no-connections.json"),
                    SLUICE_CONN_BENCH_URL=os.environ["SLUICE_TEST_PG_URL"],
                    SLUICE_CONN_BENCH_PASSWORD=os.environ["SLUICE_TEST_PG_PASSWORD"])
    return pg_env()


def postmaster_pid(work):
    with open(os.path.join(work, "servers", "pg", "data", "postmaster.pid")) as f:
        return int(f.readline())


def children_cpu(pid):
    """User + system seconds of the ended children of `pid` (cutime + cstime)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def timed(cmd, log, env, server):
    """Run cmd under env; returns its exit code, a Run (as bench/bench.py measures it: os.wait4
    gives the resources of this child and the processes it waited for) and the server CPU the
    run's backends used."""
    before = children_cpu(server)
    with open(log, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    run = Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, 0)
    # A backend ends just after its client: wait until the postmaster has reaped it.
    after = children_cpu(server)
    for _ in range(20):
        time.sleep(0.1)
        now, after = after, children_cpu(server)
        if now == after and after > before:
            break
    return os.waitstatus_to_exitcode(status), run, after - before


def run_one(impl, cmds, work, name, server):
    out = os.path.join(work, "out", name)
    subprocess.run(["rm", "-rf", out], check=True)
    os.makedirs(out)
    if impl == "sluice":
        wait_for_sluice()
    code, run, server_cpu = timed(cmds[impl](out), out + ".log", env_for(impl, work), server)
    if code != 0:
        sys.exit(f"{impl} failed (exit {code}); end of {out}.log:\n{tail(out + '.log')}")
    return out, run, server_cpu


def check(a_dir, b_dir, rows):
    """Both files: the same types, `rows` rows, no row of one missing from the other."""
    import duckdb

    con = duckdb.connect()
    a = f"read_parquet({sql_string(os.path.join(a_dir, 'rows.parquet'))})"
    b = f"read_parquet({sql_string(os.path.join(b_dir, 'rows.parquet'))})"
    types = [con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {r})").fetchall() for r in (a, b)]
    counts = [con.execute(f"SELECT count(*) FROM {r}").fetchone()[0] for r in (a, b)]
    only_a = con.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})").fetchone()[0]
    only_b = con.execute(f"SELECT count(*) FROM (SELECT * FROM {b} EXCEPT ALL SELECT * FROM {a})").fetchone()[0]
    nulls = con.execute(f"SELECT {', '.join(f'count(*) - count({c})' for c in COLUMNS)} FROM {a}").fetchone()
    ok = types[0] == types[1] and counts == [rows, rows] and only_a == only_b == 0
    print(f"row check: (A) {counts[0]:,} rows, (B) {counts[1]:,} rows, table {rows:,}; "
          f"{only_a} rows only in (A), {only_b} only in (B) (EXCEPT ALL both ways); "
          f"column types {'the same' if types[0] == types[1] else 'DIFFER'}; NULLs per column in (A): "
          + ", ".join(str(n) for n in nulls), file=sys.stderr)
    if types[0] != types[1]:
        print(f"  (A) {types[0]}\n  (B) {types[1]}", file=sys.stderr)
    return {"ok": ok, "counts": counts, "only_a": only_a, "only_b": only_b}


def copy_only(table, runs, server, work):
    """psql's COPY into /dev/null: the query sluice sends (binary) and SELECT * as CSV."""
    cast = {"amount": "::text"}  # numeric with a precision travels as text (crates/sluice-connect/src/postgres.rs)
    select = ", ".join(f'"{c}"{cast.get(c, "")}' for c in COLUMNS)
    forms = {
        "binary (sluice's query)": f"\\copy (SELECT {select} FROM {table}) TO '/dev/null' (FORMAT binary)",
        "csv (SELECT *)": f"\\copy (SELECT * FROM {table}) TO '/dev/null' CSV HEADER",
    }
    results = {k: [] for k in forms}
    for _ in range(runs):
        for name, copy in forms.items():
            cmd = [psql(), "-X", "-q", "-d", os.environ["SLUICE_TEST_PG_URL"], "-c", copy]
            code, run, server_cpu = timed(cmd, os.path.join(work, "out", "copy.log"), pg_env(), server)
            if code != 0:
                sys.exit(f"psql failed: {tail(os.path.join(work, 'out', 'copy.log'))}")
            results[name].append((run, server_cpu))
    return results


def spread(values):
    return f"{statistics.median(values):.2f} | {min(values):.2f}–{max(values):.2f}"


def node_times(log):
    """{node: ms} from the lines `sluice run` prints per node (`✓ rows  1,000,000 rows  1905 ms`)."""
    with open(log, errors="replace") as f:
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"✓ (\S+)\s+[\d,]+ rows\s+(\d+) ms", f.read())}


def report(results, copies, rows, runs, checked, nodes):
    ok, counts, only_a, only_b = (checked[k] for k in ("ok", "counts", "only_a", "only_b"))
    print(f"\n{rows:,} rows × {len(COLUMNS)} columns, {runs} timed run(s) each after one untimed round, A and B in alternation\n")
    print("| command | median (s) | min–max (s) | runs (s) | median CPU (s) | median server CPU (s) | peak RSS (MB) | ratio to (B) |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    base = statistics.median(r.seconds for r, _ in results["csv"])
    for impl, rs in results.items():
        secs = [r.seconds for r, _ in rs]
        print(f"| {LABELS[impl]} | {spread(secs)} | {', '.join(f'{s:.2f}' for s in secs)} | "
              f"{statistics.median(r.cpu for r, _ in rs):.2f} | {statistics.median(s for _, s in rs):.2f} | "
              f"{max(r.rss_mb for r, _ in rs):.0f} | {statistics.median(secs) / base:.2f} |")
    pairs = [a.seconds / b.seconds for (a, _), (b, _) in zip(results["sluice"], results["csv"])]
    print(f"\nratio A/B round by round: median {statistics.median(pairs):.2f}, min–max {min(pairs):.2f}–{max(pairs):.2f}")
    print(f"row check: {'passed' if ok else 'FAILED'}: {counts[0]:,} and {counts[1]:,} rows, "
          f"{only_a} only in (A), {only_b} only in (B)")
    names = [n for n in nodes[0] if all(n in times for times in nodes)] if nodes else []
    if names:
        print("(A)'s own time per node (median, min–max): " + "; ".join(
            f"{n} {statistics.median(t[n] for t in nodes) / 1000:.2f} s ({min(t[n] for t in nodes) / 1000:.2f}–"
            f"{max(t[n] for t in nodes) / 1000:.2f})" for n in names))
    print("\nThe COPY alone (psql into /dev/null):\n")
    print("| COPY | median (s) | min–max (s) | median client CPU (s) | median server CPU (s) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, rs in copies.items():
        print(f"| {name} | {spread([r.seconds for r, _ in rs])} | {statistics.median(r.cpu for r, _ in rs):.2f} | "
              f"{statistics.median(s for _, s in rs):.2f} |")


def versions():
    import duckdb

    sluice = subprocess.run([sluice_bin(), "--version"], capture_output=True, text=True).stdout.strip()
    client = subprocess.run([psql(), "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{sluice} ({sluice_bin()}); PostgreSQL {psql_query('SHOW server_version')} (server), {client}; "
            f"Python {sys.version.split()[0]}, duckdb {duckdb.__version__}")


def bench(args):
    work = os.path.abspath(args.work)
    os.makedirs(os.path.join(work, "out"), exist_ok=True)
    wait_for_sluice()
    binary = sluice_identity()
    server = postmaster_pid(work)
    rows = int(psql_query(f"SELECT count(*) FROM {args.table}"))
    cmds = commands(work, args.table)
    outs = {}
    for impl in cmds:
        outs[impl], run, _ = run_one(impl, cmds, work, f"{impl}-warmup", server)
        print(f"untimed: {impl:<6} {run.seconds:7.2f} s", file=sys.stderr, flush=True)
    # In a process of its own: duckdb in this one would raise the floor of every later run's peak
    # RSS (a child starts with its parent's).
    out = subprocess.run([sys.executable, __file__, "check", outs["sluice"], outs["csv"], str(rows)],
                         capture_output=True, text=True)
    sys.stderr.write(out.stderr)
    if out.returncode != 0:
        sys.exit("the two files differ: no timings reported")
    checked = json.loads(out.stdout)
    csv_mb = os.path.getsize(os.path.join(outs["csv"], "rows.csv")) / 2**20
    parquet_mb = {k: os.path.getsize(os.path.join(v, "rows.parquet")) / 2**20 for k, v in outs.items()}
    results = {impl: [] for impl in cmds}
    nodes = []  # (A)'s own time per node, per run
    for round_ in range(1, args.runs + 1):
        for impl in cmds:
            out, run, server_cpu = run_one(impl, cmds, work, f"{impl}-{round_}", server)
            results[impl].append((run, server_cpu))
            if impl == "sluice":
                nodes.append(node_times(out + ".log"))
            print(f"round {round_}/{args.runs}: {impl:<6} {run.seconds:7.2f} s  {run.cpu:6.2f} s CPU  "
                  f"{server_cpu:6.2f} s server CPU  {run.rss_mb:6.0f} MB", file=sys.stderr, flush=True)
    copies = copy_only(args.table, args.runs, server, work)
    report(results, copies, rows, args.runs, checked, nodes)
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS cannot read below this script's own, {floor:.0f} MB (a child starts with its parent's)")
    print(f"files: CSV {csv_mb:.0f} MB; Parquet (A) {parquet_mb['sluice']:.0f} MB, (B) {parquet_mb['csv']:.0f} MB")
    if binary != sluice_identity():
        print(f"\nWARNING: {sluice_bin()} was rebuilt during the benchmark: its runs may not all be of one build")
    print(f"\nmachine: {machine()}")
    print(f"versions: {versions()}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--work", required=True)
    b.add_argument("--runs", type=int, default=5)
    b.add_argument("--table", default="bench_rows")
    c = sub.add_parser("check")
    c.add_argument("a_dir")
    c.add_argument("b_dir")
    c.add_argument("rows", type=int)
    args = p.parse_args()
    if args.command == "check":
        result = check(args.a_dir, args.b_dir, args.rows)
        print(json.dumps(result))
        sys.exit(0 if result["ok"] else 1)
    bench(args)


if __name__ == "__main__":
    main()
