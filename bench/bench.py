"""Time the implementations of the feature pipeline on the same data, in alternation.

    python bench/bench.py --data DATA_DIR --work WORK_DIR [--runs 5] [--impls sluice,sql,pandas,polars]
                          [--compare] [--watch DIR]

bench/run.sh and bench/spill.sh call this with the venv's Python. Each round runs every
implementation once, in the same order, so all see the same machine load; each run writes into
its own folder WORK_DIR/out/<impl>-<round>. A run is measured from outside: wall time, and the
peak resident memory of the process and the processes it waited for (wait4's rusage). With
--compare, bench/compare.py checks the first round's outputs before any further round. --watch
samples the disk use of a folder during each run (the spill directory). Prints a markdown table,
the machine and the versions.
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = {
    "sluice": "(a) sluice run",
    "sql": "(b) hand-written SQL, Python duckdb",
    "pandas": "(c) pandas",
    "polars": "(d) Polars",
}


def sluice_bin():
    """SLUICE_BIN (bench/common.sh sets it), else the release build if there is one, else debug."""
    if os.environ.get("SLUICE_BIN"):
        return os.environ["SLUICE_BIN"]
    target = os.path.expanduser("~/.cache/sluice/target")
    release = os.path.join(target, "release", "sluice")
    return release if os.access(release, os.X_OK) else os.path.join(target, "debug", "sluice")


def sluice_identity():
    """Size and modification time of the binary, to notice it being rebuilt under the benchmark."""
    try:
        st = os.stat(sluice_bin())
        return st.st_size, st.st_mtime_ns
    except OSError:
        return None


def wait_for_sluice(limit=1800):
    """The binary is rebuilt from time to time and may be missing for a while: wait for it."""
    waited = 0
    while not os.access(sluice_bin(), os.X_OK):
        if waited >= limit:
            sys.exit(f"no sluice binary at {sluice_bin()} (set SLUICE_BIN)")
        time.sleep(10)
        waited += 10


def sluice_flags():
    """--no-history, and --no-cache where the binary has a result cache (a cached node would be
    read back instead of computed)."""
    help_text = subprocess.run([sluice_bin(), "run", "--help"], capture_output=True, text=True).stdout
    return ["--no-history"] + (["--no-cache"] if "--no-cache" in help_text else [])


def write_spec(data, work):
    """The bench copy of the sample pipeline (bench/specs.py), reading DATA's Parquet files."""
    spec = os.path.join(work, "customer_features.sluice.json")
    subprocess.run([sys.executable, os.path.join(HERE, "specs.py"), "bench", data, spec], check=True)
    return spec


def commands(data, spec):
    """The command of each implementation, given its output folder."""
    py = sys.executable
    flags = sluice_flags()
    return {
        "sluice": lambda out: [sluice_bin(), "run", spec, *flags, "--param", f"out={out}"],
        "sql": lambda out: [py, os.path.join(HERE, "run_sql.py"), data, out],
        "pandas": lambda out: [py, os.path.join(HERE, "pipeline_pandas.py"), data, out],
        "polars": lambda out: [py, os.path.join(HERE, "pipeline_polars.py"), data, out],
    }


def folder_bytes(path):
    """Disk space used by the files under path (allocated blocks, as du counts)."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass  # a spill file removed while we looked
    return total


class DiskWatch:
    """Samples a folder's size twice a second while a run goes on; keeps the largest."""

    def __init__(self, path):
        self.path, self.peak, self.stop = path, 0, threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, folder_bytes(self.path))
            self.stop.wait(0.5)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


class NoWatch:
    """Stands in for DiskWatch when no folder is watched."""

    peak = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


@dataclass
class Run:
    seconds: float  # wall time
    cpu: float  # user + system seconds, over all threads: less sensitive to other load
    rss_mb: float  # peak resident memory
    spill_mb: float  # peak size of the watched folder


def measure(cmd, log, watch=None):
    """Run cmd; returns its exit code and a Run.

    os.wait4 reports the resources of this one child (with its waited-for children), so each
    run's peak memory is its own, not the largest of the runs so far as RUSAGE_CHILDREN would be.
    """
    with open(log, "w") as out:
        with DiskWatch(watch) if watch else NoWatch() as disk:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return proc.returncode, Run(seconds, cpu, usage.ru_maxrss / 1024, disk.peak / 2**20)


def run_once(impl, cmd, log, watch):
    """measure(), but a sluice run that could not start or was killed because the binary was
    being replaced runs again once the binary is back (its exit codes 1 and 2 are its own)."""
    if impl != "sluice":
        return measure(cmd, log, watch)
    wait_for_sluice()
    try:
        code, run = measure(cmd, log, watch)
        if code in (0, 1, 2):
            return code, run
    except OSError:
        pass
    print("sluice did not start or did not finish; running it again once the binary is there", file=sys.stderr)
    time.sleep(10)
    wait_for_sluice()
    return measure(cmd, log, watch)


def compare(outputs):
    args = [f"{impl}={folder}" for impl, folder in outputs.items()]
    return subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), *args]).returncode


def tail(path, lines=20):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def run_rounds(args, cmds):
    """Every implementation once per round; returns {impl: [Run, ...]}."""
    results = {impl: [] for impl in args.impls}
    for round_ in range(1, args.runs + 1):
        outputs = {}
        for impl in args.impls:
            out = os.path.join(args.work, "out", f"{impl}-{round_}")
            shutil.rmtree(out, ignore_errors=True)
            log = out + ".log"
            code, run = run_once(impl, cmds[impl](out), log, args.watch)
            if code != 0:
                print(f"{impl} failed (exit {code}) in round {round_}; end of {log}:\n{tail(log)}", file=sys.stderr)
                sys.exit(1)
            print(f"round {round_}/{args.runs}: {impl:<7} {run.seconds:7.2f} s  {run.cpu:7.2f} s CPU  {run.rss_mb:7.0f} MB",
                  file=sys.stderr, flush=True)
            results[impl].append(run)
            outputs[impl] = out
        if round_ == 1 and args.compare and len(outputs) > 1:
            if compare(outputs) != 0:
                sys.exit("the outputs differ: no timings reported")
    return results


def count_rows(data):
    import duckdb
    path = os.path.join(data, "orders.parquet").replace("'", "''")
    return duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    os_name = platform.platform()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            m = re.search(r'PRETTY_NAME="([^"]+)"', f.read())
            os_name = f"{m.group(1)}, Linux {platform.release()}" if m else os_name
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, {mem_kb / 2**20:.0f} GiB RAM, {os_name}; load average now {load}"


def versions():
    import duckdb
    import numpy
    import pandas
    import polars
    import pyarrow
    sluice = subprocess.run([sluice_bin(), "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{sluice} ({sluice_bin()}); Python {platform.python_version()}, duckdb {duckdb.__version__}, "
            f"pandas {pandas.__version__}, polars {polars.__version__}, pyarrow {pyarrow.__version__}, "
            f"numpy {numpy.__version__}")


def report(args, results):
    orders = count_rows(args.data)
    env = {k: v for k, v in os.environ.items() if k in ("SLUICE_MEMORY_LIMIT", "SLUICE_THREADS", "SLUICE_TEMP_DIR")}
    print(f"\n{orders:,} order rows ({os.path.basename(args.data)}), {args.runs} run(s) each, in alternation"
          + (f"; sluice with {' '.join(f'{k}={v}' for k, v in env.items())}" if env else ""))
    print()
    watch = " peak spill (MB) |" if args.watch else ""
    print(f"| implementation | median (s) | runs (s) | median CPU (s) | peak RSS (MB) | ratio to (a) |{watch}")
    print(f"| --- | --- | --- | --- | --- | --- |{' --- |' if args.watch else ''}")
    base = statistics.median(r.seconds for r in results["sluice"]) if "sluice" in results else None
    for impl, runs in results.items():
        median = statistics.median(r.seconds for r in runs)
        times = ", ".join(f"{r.seconds:.2f}" for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        rss = max(r.rss_mb for r in runs)
        ratio = f"{median / base:.2f}" if base else "–"
        spill = f" {max(r.spill_mb for r in runs):.0f} |" if args.watch else ""
        print(f"| {LABELS[impl]} | {median:.2f} | {times} | {cpu:.2f} | {rss:.0f} | {ratio} |{spill}")
    if args.watch:
        print(f"\npeak spill: the largest size of {args.watch} during each run (sluice's SLUICE_TEMP_DIR)")
    if args.binary != sluice_identity():
        print(f"\nWARNING: {sluice_bin()} was rebuilt during the benchmark: its runs may not all be of one build")
    print()
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--impls", default="sluice,sql,pandas,polars")
    p.add_argument("--compare", action="store_true")
    p.add_argument("--watch")
    args = p.parse_args()
    args.impls = args.impls.split(",")
    unknown = set(args.impls) - set(LABELS)
    if unknown:
        sys.exit(f"unknown implementation(s): {', '.join(sorted(unknown))}")
    args.data, args.work = os.path.abspath(args.data), os.path.abspath(args.work)
    # outputs of earlier invocations are not this one's
    shutil.rmtree(os.path.join(args.work, "out"), ignore_errors=True)
    os.makedirs(os.path.join(args.work, "out"))
    wait_for_sluice()
    args.binary = sluice_identity()
    cmds = commands(args.data, write_spec(args.data, args.work))
    report(args, run_rounds(args, cmds))


if __name__ == "__main__":
    main()
