"""Benchmarks (not part of `make test`): the model against Mesa's simplest model, and memory.

Usage: python benchmarks/run.py [--quick]

1. One `case_baseline` replication (156 weeks) against the Mesa reference model
   (benchmarks/reference.py) with the same number of agents and steps; prints both times
   and their ratio (target for the model issue: <= 1.0; for the speed issue: <= 0.5).
2. Peak memory of one run with 50,000 customers (target: <= 1 GB), measured in a fresh
   process so that nothing else counts.
3. Comparison throughput: replications per second of `case_baseline` run serially, on 2
   local processes and on a Dask LocalCluster of 2 workers, the same work each time
   (targets: 2 processes >= 1.8x serial; Dask within 15% of processes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reference import WealthModel  # noqa: E402

from sim import ChannelModel, load_scenario  # noqa: E402
from sim.engines import DaskEngine, ProcessEngine, SerialEngine  # noqa: E402
from sim.runner import run_replications  # noqa: E402


def best_of(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls (seconds)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_case(sc, seed: int = 1) -> ChannelModel:
    """Build and run one replication for the scenario's weeks."""
    m = ChannelModel(sc, rng=seed)
    m.run_for(sc.weeks)
    return m


def memory_child(customers: int) -> None:
    """Run in a fresh process: one case_baseline run at ``customers``; print peak RSS."""
    sc = load_scenario(ROOT / "scenarios" / "case_baseline.yaml")
    sc = sc.model_copy(update={"market": sc.market.model_copy(update={"customers": customers})})
    t = time.perf_counter()
    run_case(sc)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    repeats = 1 if args.quick else 3
    sc = load_scenario(ROOT / "scenarios" / "case_baseline.yaml")
    probe = ChannelModel(sc, rng=1)
    n_agents, weeks = len(probe.agents), sc.weeks
    ours = best_of(lambda: run_case(sc), repeats)
    ref = best_of(lambda: WealthModel(n_agents, rng=1).run_for(weeks), repeats)
    print(f"case_baseline: {n_agents} agents x {weeks} weeks "
          f"(+{sc.behaviour.warmup_weeks} warm-up weeks)")
    print(f"  channelsim              {ours:7.3f} s")
    print(f"  Mesa Boltzmann wealth   {ref:7.3f} s")
    print(f"  ratio                   {ours / ref:7.3f}   (target <= 1.0; later <= 0.5)")
    out = subprocess.run([sys.executable, __file__, "--memory-child", "50000"],
                         capture_output=True, text=True, check=True)
    mem = json.loads(out.stdout)
    print(f"50,000 customers x {weeks} weeks: {mem['seconds']:.2f} s, "
          f"peak memory {mem['peak_mb']:.0f} MB (target <= 1024 MB)")
    throughput(sc, 12 if args.quick else 32)


def throughput(sc, reps: int) -> None:
    """Replications per second on each engine, same work (start-up included)."""
    rates = {}
    for name, engine in (("serial", SerialEngine()), ("2 processes", ProcessEngine(2)),
                         ("Dask LocalCluster, 2 workers", DaskEngine(None, 2))):
        t = time.perf_counter()
        run_replications(sc, reps, 1, engine=engine)
        rates[name] = reps / (time.perf_counter() - t)
        print(f"  {name:30s} {rates[name]:6.2f} replications/s")
    proc, dask = rates["2 processes"], rates["Dask LocalCluster, 2 workers"]
    print(f"  2 processes / serial {proc / rates['serial']:.2f}x (target >= 1.8); "
          f"Dask / processes {dask / proc:.2f} (target >= 0.85)")
    ceiling = hardware_ceiling(max(2, reps // 4))
    print(f"  machine ceiling: two independent processes each doing the same runs finish "
          f"{ceiling:.2f}x the work of one in the same time")


def hardware_ceiling(runs: int) -> float:
    """Speed-up of two separate Python processes over one, no engine involved at all."""
    case = ROOT / "scenarios" / "case_baseline.yaml"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from sim import load_scenario, run_model\n"
            f"sc = load_scenario({str(case)!r})\n"
            f"for s in range({runs}): run_model(sc, s)\n")

    def timed(n: int) -> float:
        t = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - t

    one, two = timed(1), timed(2)
    return 2 * one / two


if __name__ == "__main__":
    main()
