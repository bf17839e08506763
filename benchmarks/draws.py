"""Did a change that reorders random draws leave the model's distributions alone?

A speed-up or a common-random-numbers fix that draws the same quantities in another order
changes every fixed-seed table, so equality tests cannot tell whether the model changed.
This compares distributions instead: ``record`` runs the shipped baseline for 30 seeds and
keeps, per seed, cumulative turnover, conflicts and the top-20% share; ``compare`` runs
two-sample Kolmogorov-Smirnov tests between two recordings (before and after the change)
and writes a Markdown table, which ``benchmarks/run.py`` includes in RESULTS.md.

    python benchmarks/draws.py record before.csv        # on the old code
    python benchmarks/draws.py record after.csv         # on the new code
    python benchmarks/draws.py compare before.csv after.csv --what "demand by inversion"
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = 30
STATS = ("cumulative_turnover", "conflicts", "top20_share")


def one(seed: int, values: dict | None = None) -> dict:
    """The three statistics of one run of the shipped baseline (with ``values`` set)."""
    from sim import load_scenario, simulate

    k = simulate(load_scenario(ROOT / "scenarios" / "case_baseline.yaml"), seed,
                 uncertain=values or None)
    return {"seed": seed, "cumulative_turnover": float(k["turnover"].sum()),
            "conflicts": float(k["conflicts"].sum()),
            "top20_share": float(k["top20_share"].tail(52).mean())}


def record(path: Path, values: dict | None = None) -> None:
    """Run seeds 1..30 (on all cores) and write their statistics to ``path``."""
    with ProcessPoolExecutor() as pool:
        rows = list(pool.map(one, range(1, SEEDS + 1), [values] * SEEDS))
    pd.DataFrame(rows).to_csv(path, index=False)
    print(f"written to {path}")


def compare(before: Path, after: Path, what: str, out: Path) -> None:
    """KS tests per statistic; a Markdown table to ``out``."""
    a, b = pd.read_csv(before), pd.read_csv(after)
    lines = [f"## Distributions before and after: {what}", "",
             f"{len(a)} and {len(b)} seeds of `case_baseline`; two-sample Kolmogorov-Smirnov "
             "test per statistic (reject at 1%).", "",
             "| statistic | mean before | mean after | KS D | p-value | rejects at 1% |",
             "|---|---|---|---|---|---|"]
    for s in STATS:
        res = ks_2samp(a[s], b[s])
        lines.append(f"| {s} | {np.mean(a[s]):,.4g} | {np.mean(b[s]):,.4g} | "
                     f"{res.statistic:.3f} | {res.pvalue:.3f} | "
                     f"{'yes' if res.pvalue < 0.01 else 'no'} |")
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("path", type=Path)
    r.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="an uncertain setting to fix for the runs (e.g. choice.brand_nest=1)")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--what", default="a change of random draws")
    c.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "DRAWS.md")
    args = parser.parse_args()
    if args.cmd == "record":
        record(args.path, {k: float(v) for k, v in (a.split("=") for a in args.set)})
    else:
        compare(args.before, args.after, args.what, args.out)


if __name__ == "__main__":
    main()
