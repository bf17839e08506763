"""The shipped reform against the baseline at chosen values of one setting: the findings table.

Both arms get the same value in every future (``--no-uncertainty`` otherwise), so the
table shows how the verdict depends on the setting::

    .venv/bin/python tools/findings.py choice.brand_nest 0.3 0.5 0.8 1.0 --reps 20

Prints a Markdown table: turnover and margin change over the whole horizon and after the
full rollout (week 52 on), with paired 95% intervals, and the share of futures that shrink.

Two more tables for the transition (each run with the shipped uncertainties)::

    .venv/bin/python tools/findings.py --transition --reps 20   # dip with #17's parts undone
    .venv/bin/python tools/findings.py --rebates --reps 20      # rebates around the switch
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


def _with(scs: dict, values: dict) -> dict:
    """Scenarios with settings of any type set by dotted path, their uncertainties dropped."""
    from sim.scenario.schema import Scenario

    out = {}
    for name, sc in scs.items():
        data = sc.model_dump()
        for path, value in values.items():
            *head, last = path.split(".")
            node = data
            for part in head:
                node = node[part]
            node[last] = value
            data["uncertainties"].pop(path, None)
        out[name] = Scenario.model_validate(data).with_policy_before(sc._policy_before)
    return out


# What #17 changed, undone one part at a time where a setting can undo it (the rebate
# settlement at the switch cannot: the old carry-over is gone from the code).
TRANSITION = {
    "as shipped": {},
    "competitor never answers (response 0)": {"competitor.response": 0.0},
    "cover jumps at once (adjust_rate 1)": {"behaviour.inventory.adjust_rate": 1.0},
    "no forward buying": {"behaviour.inventory.forward_buying": False},
    "8-week warm-up instead of 52": {"behaviour.warmup_weeks": 8},
    "seasons +-30% (peak in July)": {"market.seasonality": [
        1 + 0.3 * float(np.cos(2 * np.pi * (m - 6) / 12)) for m in range(12)]},
}


def transition_row(label: str, values: dict, reps: int, seed: int) -> str:
    """One line: the shipped comparison's headline, dip and recovery with ``values`` set."""
    import json

    from sim import load_scenario
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import make_engine

    scs = _with({n: load_scenario(ROOT / "scenarios" / f"{n}.yaml")
                 for n in ("case_baseline", "case_reform")}, values)
    with tempfile.TemporaryDirectory() as tmp:
        run_comparison(scs, "case_baseline", reps, seed, 156, Path(tmp), make_engine())
        from analysis.comparison.paired import compare
        from analysis.report.files import write_summary

        write_summary(compare(Path(tmp)), Path(tmp))
        s = json.loads((Path(tmp) / "summary.json").read_text())["strategies"]["case_reform"]
    t, m, d = s["turnover_change_pct"], s["margin_change_pct"], s["dip"]
    rec = "not by week 156" if d["recovery_week"] is None else f"week {d['recovery_week']}"
    return (f"| {label} | {t['estimate']:+.1f}% [{t['low']:+.1f}, {t['high']:+.1f}] | "
            f"{m['estimate']:+.1f}% | {s['p_shrink']['estimate']:.0%} | "
            f"{s['diet']['estimate']:+.1f}% | {d['depth_pct']:+.1f}% (wk {d['week']}) | {rec} "
            f"| {s['share_not_recovered']:.0%} |")


def rebates_row(loading: bool, reps: int, seed: int) -> str:
    """One line: the reform's rebates in settlement weeks near the switches against later ones."""
    from sim import load_scenario
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import make_engine
    from sim.experiments.store import ResultStore

    sc = load_scenario(ROOT / "scenarios" / "case_reform.yaml")
    sc = _with({"r": sc}, {"behaviour.inventory.rebate_loading": loading})["r"]
    with tempfile.TemporaryDirectory() as tmp:
        run_comparison({"r": sc}, "r", reps, seed, 156, Path(tmp), make_engine())
        k = ResultStore(Path(tmp)).read("kpis")
    weekly = k.groupby("week")["rebates"].mean()
    period = sc.policy.rebates.period_weeks
    ends = weekly.index[(weekly.index + 1) % period == 0]      # true-up weeks
    near = ends[(ends >= sc.rollout.pilot_week) & (ends < sc.rollout.full_week + period)]
    away = ends[ends >= sc.rollout.full_week + 2 * period]
    other = weekly.drop(ends)
    o_near = other.loc[sc.rollout.full_week - period:sc.rollout.full_week + period]
    o_away = other.loc[sc.rollout.full_week + 2 * period:]
    return (f"| {'on' if loading else 'off'} | {weekly[near].mean():,.0f} | "
            f"{weekly[away].mean():,.0f} | {weekly[near].mean() / weekly[away].mean():.2f} | "
            f"{o_near.mean():,.0f} | {o_away.mean():,.0f} | {o_near.mean() / o_away.mean():.2f} |")


def main() -> None:
    """Print the table for each value."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", nargs="?")
    p.add_argument("values", nargs="*", type=float)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--strategy", default="case_reform")
    p.add_argument("--transition", action="store_true")
    p.add_argument("--rebates", action="store_true")
    a = p.parse_args()
    if a.transition:
        print("| variant | Δ turnover [95% CI] | Δ margin | P(shrink) | diet | worst dip "
              "| recovered | not recovered |")
        print("|---|---|---|---|---|---|---|---|")
        for label, values in TRANSITION.items():
            print(transition_row(label, values, a.reps, a.seed), flush=True)
        return
    if a.rebates:
        print("| rebate loading | true-up weeks near the switches (EUR) | true-up weeks from "
              "a year after | ratio | other weeks near the full switch | other weeks from a "
              "year after | ratio |")
        print("|---|---|---|---|---|---|---|")
        for loading in (True, False):
            print(rebates_row(loading, a.reps, a.seed), flush=True)
        return
    print(f"| {a.path or 'setting'} | Δ turnover, weeks 1-156 | Δ turnover, weeks 52-156 | "
          "Δ margin, weeks 1-156 | Δ margin, weeks 52-156 | P(shrink) |")
    print("|---|---|---|---|---|---|")
    for v in a.values or [None]:
        print(row(a.path, v, a.reps, a.seed, a.strategy), flush=True)


if __name__ == "__main__":
    main()
