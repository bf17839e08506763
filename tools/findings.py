"""The shipped reform against the baseline at chosen values of one setting: the findings table.

Both arms get the same value in every future (``--no-uncertainty`` otherwise), so the
table shows how the verdict depends on the setting::

    .venv/bin/python tools/findings.py choice.brand_nest 0.3 0.5 0.8 1.0 --reps 20

Prints a Markdown table: turnover and margin change over the whole horizon and after the
full rollout (week 52 on), with paired 95% intervals, and the share of futures that shrink.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(diff: np.ndarray, base: np.ndarray) -> str:
    from analysis.comparison.stats import paired_t

    t = paired_t(diff)
    scale = 100.0 / base.mean()
    return f"{t.estimate * scale:+.1f}% [{t.low * scale:+.1f}, {t.high * scale:+.1f}]"


def row(path: str | None, value: float | None, reps: int, seed: int,
        strategy: str = "case_reform") -> str:
    """One line of the table: the reform at ``path = value`` (both arms)."""
    from sim import load_scenario
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import make_engine
    from sim.experiments.settings import set_values
    from sim.experiments.store import ResultStore

    scs = {n: load_scenario(ROOT / "scenarios" / f"{n}.yaml")
           for n in ("case_baseline", strategy)}
    if path is not None:
        scs = {n: set_values(sc, {path: value}) for n, sc in scs.items()}
    with tempfile.TemporaryDirectory() as tmp:
        run_comparison(scs, "case_baseline", reps, seed, 156, Path(tmp), make_engine(),
                       uncertainty=False)
        k = ResultStore(Path(tmp)).read("kpis")
    cells = []
    for col in ("turnover", "margin"):
        wide = {n: k[k["scenario"] == n].pivot(index="rep", columns="week", values=col)
                for n in scs}
        b, s = wide["case_baseline"], wide[strategy]
        for lo in (1, 52):
            bb, ss = b.loc[:, lo:].sum(axis=1).to_numpy(), s.loc[:, lo:].sum(axis=1).to_numpy()
            cells.append(_pct(ss - bb, bb))
            if col == "turnover" and lo == 1:
                shrink = float(np.mean(ss < bb))
    label = "as shipped" if path is None else f"{value:g}"
    return f"| {label} | {' | '.join(cells)} | {shrink:.0%} |"


def main() -> None:
    """Print the table for each value."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", nargs="?")
    p.add_argument("values", nargs="*", type=float)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--strategy", default="case_reform")
    a = p.parse_args()
    print(f"| {a.path or 'setting'} | Δ turnover, weeks 1-156 | Δ turnover, weeks 52-156 | "
          "Δ margin, weeks 1-156 | Δ margin, weeks 52-156 | P(shrink) |")
    print("|---|---|---|---|---|---|")
    for v in a.values or [None]:
        print(row(a.path, v, a.reps, a.seed, a.strategy), flush=True)


if __name__ == "__main__":
    main()
