"""Strategy optimisation: search the levers for the best objective at acceptable risk.

The search is Optuna's TPE sampler, asked for a batch of settings at a time (so a batch
runs in parallel on the engines) and told each setting's outcome. Every setting is
judged in the same simulated futures (common random numbers), so two settings differ by
their levers, not by luck. The risk constraint is the share of futures in which the
setting's turnover falls below the starting scenario's (``p_shrink``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.report.charts.studies import optimize_chart
from analysis.studies.common import Runs, StudyError, StudyResult, Tally, check_paths
from analysis.studies.per_point import per_point
from sim.experiments.designs import run_points
from sim.experiments.seeds import sample_uncertainties
from sim.experiments.settings import set_values
from sim.scenario import Scenario
from sim.scenario.writer import write_extending


@dataclass(frozen=True)
class Lever:
    """A setting the manufacturer controls, searched over ``[low, high]``."""

    path: str
    low: float
    high: float


@dataclass(frozen=True)
class Evaluation:
    """What a setting achieved: the objective (larger is better) and its risk."""

    objective: float
    p_shrink: float
    extra: dict


Evaluate = Callable[[list[dict[str, float]]], list[Evaluation]]


def search(evaluate: Evaluate, levers: list[Lever], trials: int, max_p_shrink: float = 1.0,
           batch: int = 2, seed: int = 0) -> pd.DataFrame:
    """Search the levers; one row per trial.

    Args:
        evaluate: runs a batch of settings (``{path: value}``) and returns an Evaluation
            for each, in order.
        levers: the levers and their ranges.
        trials: number of settings to try.
        max_p_shrink: a setting is feasible when its ``p_shrink`` is at most this.
        batch: settings asked for (and run) at once.
        seed: the sampler's seed (the same seed and batch give the same trials).

    Returns:
        ``trial``, the lever values, ``objective``, ``p_shrink``, ``feasible`` and the
        evaluations' extra figures.

    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    sampler = optuna.samplers.TPESampler(seed=seed,
                                         n_startup_trials=max(2, min(10, trials // 3)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    rows = []
    while len(rows) < trials:
        asked = [study.ask() for _ in range(min(batch, trials - len(rows)))]
        settings = [{lv.path: t.suggest_float(lv.path, lv.low, lv.high) for lv in levers}
                    for t in asked]
        for t, values, ev in zip(asked, settings, evaluate(settings), strict=True):
            t.set_constraint("p_shrink", ev.p_shrink - max_p_shrink)
            study.tell(t, ev.objective)
            rows.append({"trial": t.number, **values, "objective": ev.objective,
                         "p_shrink": ev.p_shrink,
                         "feasible": bool(ev.p_shrink <= max_p_shrink), **ev.extra})
    return pd.DataFrame(rows)


def best(table: pd.DataFrame) -> pd.Series | None:
    """The feasible trial with the highest objective (None if no trial is feasible)."""
    ok = table[table["feasible"] & np.isfinite(table["objective"])]
    if ok.empty:
        return None
    return ok.loc[ok["objective"].idxmax()]


def pareto(table: pd.DataFrame) -> pd.DataFrame:
    """Trials no other trial beats on both objective (higher) and P(shrink) (lower)."""
    t = table.sort_values(["p_shrink", "objective"], ascending=[True, False])
    keep, best_so_far = [], -np.inf
    for i, row in t.iterrows():
        if row["objective"] > best_so_far:
            keep.append(i)
            best_so_far = row["objective"]
    return t.loc[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Goal:
    """What an optimisation looks for.

    Attributes:
        objective: ``turnover`` or ``margin`` (its change against the start, to maximise).
        max_p_shrink: the largest acceptable share of futures where turnover shrinks.
        trials: settings to try.
        batch: settings tried at once (one batch runs in parallel).
        uncertainty: draw the scenario's uncertainties per future.

    """

    objective: str = "turnover"
    max_p_shrink: float = 0.1
    trials: int = 30
    batch: int = 4
    uncertainty: bool = True


def run_optimize(sc: Scenario, source: Path, levers: list[Lever], goal: Goal, runs: Runs,
                 save: Path | None = None) -> StudyResult:
    """Search ``levers`` of ``sc`` (from file ``source``) for the best objective at low risk.

    Every setting is judged in the same futures (common random numbers) against ``sc`` as
    written; the best feasible one is written as a scenario that ``extends`` ``source``
    (to ``save``, default ``OUT/best.yaml``).
    """
    if goal.objective not in ("turnover", "margin"):
        raise StudyError(f"--objective {goal.objective}: one of turnover, margin")
    check_paths(sc, [lv.path for lv in levers], "--lever")
    weeks = runs.horizon(sc)
    reps = runs.reps
    worlds = (sample_uncertainties(sc, reps, runs.seed) if goal.uncertainty
              else [{} for _ in range(reps)])
    scenarios = {"base": sc, "strategy": sc}
    notes = runs.check({"base": sc}, weeks)
    store = runs.open("optimize", scenarios, weeks, {
        "levers": [lv.__dict__ for lv in levers], "objective": goal.objective,
        "max_p_shrink": goal.max_p_shrink, "trials": goal.trials, "batch": goal.batch,
        "uncertainty": goal.uncertainty})
    column = f"{goal.objective}_change_pct"
    tally = Tally(runs.progress, reps * (goal.trials + 1))
    base_runs = run_points(scenarios, [{"base": worlds}], store, runs.engine,
                           progress=tally.part(reps))
    tried = []     # settings in the order asked: trial i is point i + 1 (0 is the start)

    def evaluate(settings):
        points = [{"strategy": [{**w, **s} for w in worlds]} for s in settings]
        done = run_points(scenarios, points, store, runs.engine,
                          first=1 + len(tried), progress=tally.part(reps * len(settings)))
        tried.extend(settings)
        pp = per_point(pd.concat([base_runs, done]), "strategy", "base", base_point=0)
        return [Evaluation(float(r[column]), float(r["p_shrink"]),
                           {"turnover_change_pct": float(r["turnover_change_pct"]),
                            "margin_change_pct": float(r["margin_change_pct"])})
                for _, r in pp.iterrows()]

    table = search(evaluate, levers, goal.trials, goal.max_p_shrink, goal.batch, runs.seed)
    top = best(table)
    paths = [lv.path for lv in levers]

    def at(row) -> str:
        return ", ".join(f"{p} = {row[p]:.4g}" for p in paths)

    lines, written = [], []
    if top is None:
        safest = table.loc[table["p_shrink"].idxmin()]
        lines.append(f"No setting tried kept P(shrink) within {goal.max_p_shrink:.0%}; the "
                     f"safest, {at(safest)}, shrinks turnover in {safest['p_shrink']:.0%} of "
                     "futures. No scenario file was written.")
    else:
        target = save or store.root / "best.yaml"
        best_sc = set_values(sc, {p: float(top[p]) for p in paths})
        write_extending(target, source, best_sc, paths, f"{sc.name}_optimized",
                        f"Best of {goal.trials} settings searched by channelsim optimize "
                        f"({goal.objective}, P(shrink) <= {goal.max_p_shrink:.0%}, {reps} "
                        "futures).")
        written.append(target)
        lines.append(f"Best setting with P(shrink) ≤ {goal.max_p_shrink:.0%}: {at(top)}: "
                     f"{goal.objective} {top['objective']:+.1f}% against {sc.name} as written, "
                     f"turnover shrinking in {top['p_shrink']:.0%} of {reps} futures (trial "
                     f"{int(top['trial'])} of {goal.trials}).")
        lines.append(f"Saved as {target}; check it with channelsim compare {source} {target} "
                     "and more futures before acting on it.")
    front = pareto(table)
    lines.append("Trade-off (best objective at each level of risk): " + "; ".join(
        f"{r['objective']:+.1f}% at P(shrink) {r['p_shrink']:.0%}" for _, r in front.iterrows())
        + ".")
    fig = optimize_chart(table, goal.objective, goal.max_p_shrink,
                         None if top is None else int(top["trial"]))
    return StudyResult(
        "optimize", f"Levers of {sc.name} searched for {goal.objective}",
        f"{goal.trials} settings x {reps} futures, {weeks} weeks; levers: {', '.join(paths)}",
        lines, {"pareto": front, "optimize": table}, {"optimize": fig}, store.root,
        written=written, notes=notes).save(runs.command)
