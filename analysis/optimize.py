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

import numpy as np
import pandas as pd


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
