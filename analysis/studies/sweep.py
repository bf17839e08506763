"""Sweeps: levers or uncertainties over a grid or a Latin hypercube, each point a strategy.

Each point is a copy of the input with some numeric settings changed; the points run as
strategies against the input as written, with common random numbers, through the
engines and store of ``compare``; the result is a table (turnover change and P(shrink)
at each point) and a chart.
"""

from __future__ import annotations

import pandas as pd

from analysis.comparison.paired import Comparison, compare
from analysis.report.charts.studies import sweep_chart
from analysis.studies.common import Runs, StudyError, StudyResult
from sim.experiments.compare import run_comparison
from sim.experiments.designs import design, sweep_scenarios
from sim.scenario import Scenario


def sweep_table(comp: Comparison, points: list[dict[str, float]]) -> pd.DataFrame:
    """One row per point: its settings, then the paired figures against the input."""
    rows = []
    for i, point in enumerate(points, start=1):
        r = comp.strategies[f"point-{i:04d}"]
        rows.append({"point": i, **point,
                     "turnover_change_pct": r.turnover_change_pct.estimate,
                     "turnover_change_pct_low": r.turnover_change_pct.low,
                     "turnover_change_pct_high": r.turnover_change_pct.high,
                     "margin_change_pct": r.margin_change_pct.estimate,
                     "p_shrink": r.p_shrink.estimate,
                     "change_conflicts_per_100_deals":
                         r.kpi_changes["conflicts_per_100_deals"].estimate})
    return pd.DataFrame(rows)


def sweep_sentences(table: pd.DataFrame, paths: list[str]) -> list[str]:
    """The best and worst points of a sweep, in words."""
    best = table.loc[table["turnover_change_pct"].idxmax()]
    worst = table.loc[table["turnover_change_pct"].idxmin()]

    def at(row) -> str:
        return ", ".join(f"{p} = {row[p]:.3g}" for p in paths)

    return [f"Turnover is highest at {at(best)}: {best['turnover_change_pct']:+.1f}% against "
            f"the input, shrinking in {best['p_shrink']:.0%} of futures.",
            f"It is lowest at {at(worst)}: {worst['turnover_change_pct']:+.1f}%, shrinking in "
            f"{worst['p_shrink']:.0%} of futures.",
            f"{len(table)} points; turnover shrinks on average at "
            f"{int((table['turnover_change_pct'] < 0).sum())} of them."]


def run_sweep(base: Scenario, varies: list[tuple[str, float, float, int]],
              samples: int | None, runs: Runs) -> StudyResult:
    """Run a sweep of ``base`` over ``varies`` (``(path, low, high, steps)`` each).

    The full grid of each path's ``steps`` values, or with ``samples`` a Latin hypercube
    of that many points.

    Raises:
        StudyError: a grid asked for without steps.
        ScenarioError: a path that is not a numeric setting, or a value out of its range.
        PreflightError, StoreError, EngineError: as for a comparison.

    """
    if not samples and any(steps == 0 for *_, steps in varies):
        raise StudyError("--vary needs PATH=LOW:HIGH:STEPS for a grid (or give --samples)")
    points = design(varies, samples, runs.seed)
    scenarios = sweep_scenarios(base, points)
    weeks = runs.horizon(base)
    notes = runs.check(scenarios, weeks, tables=True)
    store = run_comparison(scenarios, "base", runs.reps, runs.seed, weeks, runs.out,
                           runs.engine, progress=runs.progress)
    paths = [p for p, *_ in varies]
    table = sweep_table(compare(store.root), points)
    return StudyResult(
        "sweep", f"Sweep of {base.name}",
        f"{len(points)} points, {runs.reps} futures each, {weeks} weeks",
        sweep_sentences(table, paths), {"sweep": table}, {"sweep": sweep_chart(table, paths)},
        store.root, notes=notes).save(runs.command)
