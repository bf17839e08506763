"""Benchmarks (not part of `make test`): the model against Mesa's simplest model, and memory.

Usage: python benchmarks/run.py [--quick]

1. One `case_baseline` replication (156 weeks) against the Mesa reference model
   (benchmarks/reference.py) with the same number of agents and steps; prints both times
   and their ratio (target for the model issue: <= 1.0; for the speed issue: <= 0.5).
2. Peak memory of one run with 50,000 customers (target: <= 1 GB), measured in a fresh
   process so that nothing else counts.
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


if __name__ == "__main__":
    main()
