"""The benchmark suite (not part of `make test`): speed and scale against their targets.

Usage: python benchmarks/run.py [--quick] [--out benchmarks/RESULTS.md]

1. one `case_baseline` replication against Mesa's Boltzmann wealth model with the same number
   of agents and steps (benchmarks/reference.py): the ratio (target <= 0.5);
2. scaling in customers (1k, 10k, 50k, 100k over 156 weeks): wall time, peak memory and the
   fitted exponent of time against customers (targets: 100k <= 20 s and <= 2 GB; <= 1.05);
3. channel agents 50 -> 500 at 10k customers (target: 500 <= 2x the time of 50);
4. comparison throughput: serial, 2 processes, Dask LocalCluster, and the machine's own
   ceiling (targets: 2 processes >= 1.8x serial; Dask within 15% of processes);
5. `make demo` end to end after set-up (target <= 60 s).

Every size runs in a fresh process, so peak memory is that run's alone. Results are printed
and written to benchmarks/RESULTS.md with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reference import WealthModel  # noqa: E402

from sim import ChannelModel, load_scenario  # noqa: E402
from sim.experiments.compare import run_replications  # noqa: E402
from sim.experiments.engines import DaskEngine, ProcessEngine, SerialEngine  # noqa: E402

CASE = ROOT / "scenarios" / "case_baseline.yaml"


def scaled(customers: int | None = None, agents: int | None = None):
    """The case with another number of customers and/or channel agents (same proportions)."""
    sc = load_scenario(CASE)
    upd = {}
    if customers is not None:
        upd["market"] = sc.market.model_copy(update={"customers": customers})
    if agents is not None:
        net = sc.network
        total = net.distributors + sum(net.partners.values()) + net.direct_reps
        f = agents / total
        partners = {k: max(0, round(v * f)) for k, v in net.partners.items()}
        upd["network"] = net.model_copy(update={
            "distributors": max(1, round(net.distributors * f)), "partners": partners,
            "direct_reps": max(1, round(net.direct_reps * f))})
    return sc.model_copy(update=upd)


def child(customers: int, agents: int | None) -> None:
    """In a fresh process: one run; print its time, peak memory and size as JSON."""
    sc = scaled(customers, agents)
    t = time.perf_counter()
    m = ChannelModel(sc, rng=1)
    m.run_for(sc.weeks)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "agents": m.channel.n,
                      "customers": m.customers.n}))


def in_child(customers: int, agents: int | None = None, repeats: int = 1) -> dict:
    """Best of ``repeats`` fresh-process runs."""
    best = None
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--child", str(customers),
                              str(agents or 0)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        if best is None or r["seconds"] < best["seconds"]:
            best = r
    return best


def ratio_to_mesa(repeats: int = 7) -> dict:
    """The median of ``repeats`` interleaved pairs: a case run over the Mesa reference's."""
    sc = load_scenario(CASE)
    n_agents = len(ChannelModel(sc, rng=1).agents)
    ours, ref = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        ChannelModel(sc, rng=1).run_for(sc.weeks)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        WealthModel(n_agents, rng=1).run_for(sc.weeks)
        ref.append(time.perf_counter() - t)
    ratios = [a / b for a, b in zip(ours, ref, strict=True)]
    return {"agents": n_agents, "weeks": sc.weeks, "ours": float(np.median(ours)),
            "mesa": float(np.median(ref)), "ratio": float(np.median(ratios))}


def throughput(reps: int) -> dict:
    """Replications per second on each engine, same work (start-up included)."""
    sc = load_scenario(CASE)
    rates = {}
    for name, engine in (("serial", SerialEngine()), ("processes", ProcessEngine(2)),
                         ("dask", DaskEngine(None, 2))):
        t = time.perf_counter()
        run_replications(sc, reps, 1, engine=engine)
        rates[name] = reps / (time.perf_counter() - t)
    rates["ceiling"] = hardware_ceiling(max(2, reps // 4))
    return rates


def hardware_ceiling(runs: int) -> float:
    """Speed-up of two separate Python processes over one, no engine involved at all."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from sim import load_scenario, run_model\n"
            f"sc = load_scenario({str(CASE)!r})\n"
            f"for s in range({runs}): run_model(sc, s)\n")

    def timed(n: int) -> float:
        t = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - t

    return 2 * timed(1) / timed(2)


def demo_seconds() -> float:
    """`make demo` end to end into a fresh folder (set-up already done)."""
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run(["make", "-s", "demo", f"DEMO_OUT={tmp}/demo"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - t


def machine() -> str:
    """Cores, processor, Python and library versions."""
    import mesa
    import pandas

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    return (f"{os.cpu_count()} cores ({cpu}); Python {platform.python_version()}; "
            f"numpy {np.__version__}, pandas {pandas.__version__}, Mesa {mesa.__version__}")


def report_costs(sizes: list[int]) -> dict[int, dict]:
    """``channelsim report --pptx`` at each number of futures (``benchmarks/store.py``)."""
    import store  # benchmarks/, beside this file

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = store.source_folder(Path(tmp) / "source")
        for n in sizes:
            folder = store.grow(src, Path(tmp) / f"f{n}", n)
            out[n] = store.report_cost(folder)
            shutil.rmtree(folder)
    return out


def verdict(ok: bool) -> str:
    """Met or missed, for the table."""
    return "met" if ok else "**missed**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] or None)
        return
    rows = []

    def row(what, figure, target, ok):
        rows.append((what, figure, target, verdict(ok)))
        print(f"{what:60s} {figure:28s} {target:16s} {verdict(ok)}", flush=True)

    r = ratio_to_mesa(3 if args.quick else 7)
    row(f"case_baseline ({r['agents']} agents x {r['weeks']} weeks) / Mesa reference",
        f"{r['ours']:.2f} s / {r['mesa']:.2f} s = {r['ratio']:.2f}", "<= 0.5",
        r["ratio"] <= 0.5)
    sizes = [1_000, 10_000, 50_000] + ([] if args.quick else [100_000])
    scale = {n: in_child(n) for n in sizes}
    for n, s in scale.items():
        row(f"{n:,} customers x 156 weeks", f"{s['seconds']:.2f} s, {s['peak_mb']:.0f} MB",
            "<= 20 s, 2 GB" if n == 100_000 else "-",
            n != 100_000 or (s["seconds"] <= 20 and s["peak_mb"] <= 2048))
    big = [n for n in sizes if n >= 10_000]
    slope = float(np.polyfit(np.log(big), np.log([scale[n]["seconds"] for n in big]), 1)[0])
    row(f"time ~ customers^k, fitted over {', '.join(f'{n:,}' for n in big)}",
        f"k = {slope:.2f}", "<= 1.05", slope <= 1.05)
    counts = [50, 500] if args.quick else [50, 100, 200, 500]
    agents = {a: in_child(10_000, a) for a in counts}
    for s in agents.values():
        row(f"{s['agents']} channel agents at 10,000 customers", f"{s['seconds']:.2f} s", "-",
            True)
    grow = agents[500]["seconds"] / agents[50]["seconds"]
    row("500 vs 50 channel agents", f"{grow:.2f}x", "<= 2x", grow <= 2.0)
    t = throughput(12 if args.quick else 32)
    row("replications per second: serial / 2 processes / Dask",
        f"{t['serial']:.2f} / {t['processes']:.2f} / {t['dask']:.2f}", "-", True)
    row("2 processes / serial", f"{t['processes'] / t['serial']:.2f}x", ">= 1.8x",
        t["processes"] / t["serial"] >= 1.8)
    row("Dask LocalCluster / 2 processes", f"{t['dask'] / t['processes']:.2f}", ">= 0.85",
        t["dask"] / t["processes"] >= 0.85)
    row("two independent processes / one (this machine's ceiling)", f"{t['ceiling']:.2f}x",
        "-", True)
    demo = demo_seconds()
    row("make demo end to end (after set-up)", f"{demo:.1f} s", "<= 60 s", demo <= 60)
    for n, cost in report_costs([50] if args.quick else [100, 200]).items():
        row(f"report --pptx on {n} futures x 6 scenarios (built from 20 real ones)",
            f"{cost['seconds']:.0f} s, {cost['peak_mb']:,.0f} MB",
            f"<= {120 * n / 1000:.0f} s, {4096 * n / 1000:,.0f} MB (#26 pro rata)",
            cost["seconds"] <= 0.12 * n and cost["peak_mb"] <= 4.096 * n)
    lines = ["# Benchmark results", "",
             f"Command: `python benchmarks/run.py{' --quick' if args.quick else ''}`, "
             f"{time.strftime('%Y-%m-%d')}.", "", f"Machine: {machine()}.", "",
             "| measure | result | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    for extra in ("NOTES.md", "DRAWS.md"):      # profile notes; distribution checks
        notes = ROOT / "benchmarks" / extra
        if notes.exists():
            lines += ["", notes.read_text().strip()]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
