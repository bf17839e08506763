"""Running a study's design: many settings, each tried in the same simulated futures.

A *point* of a design maps scenario names to the values (by dotted path) set on that
scenario at that point, e.g. ``{"base": {"market.growth": 0.05}, "strategy":
{"market.growth": 0.05, "policy.discounts.promo": 0.0}}``. Every point is run for
replications ``0..reps-1`` with the replication seeds of the study, so two points differ
only by their settings (common random numbers), and a strategy is paired with its base
in each replication. Runs return scalar outcomes (see :data:`sim.levers.OUTCOMES`), are
stored one file each, and a rerun skips what is stored.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engines import make_engine
from sim.experiment import Job, replication_seeds
from sim.levers import OUTCOMES, outcomes, run_with
from sim.runner import keeper
from sim.scenario import Scenario
from sim.store import OutcomeStore, package_version, safe_name, scenario_hash

Values = dict[str, float]
# Values per scenario: the same in every replication, or one dict per replication.
Point = dict[str, Values | list[Values]]


def run_outcomes(scenario: Scenario, job: Job) -> dict[str, float]:
    """Run one replication of ``scenario`` with ``job.uncertain`` set; its scalar outcomes."""
    return outcomes(run_with(scenario, job.uncertain, job.seed, job.weeks).kpis())


def point_jobs(points: list[Point], reps: int, seed: int, weeks: int,
               first: int = 0) -> list[Job]:
    """Every (point, replication, scenario) run, replication-major within each point."""
    seeds = replication_seeds(seed, reps)
    return [Job(name, r, seeds[r], weeks, values if isinstance(values, dict) else values[r],
                point=first + i)
            for i, point in enumerate(points) for r in range(reps)
            for name, values in point.items()]


def study_manifest(kind: str, scenarios: dict[str, Scenario], reps: int, seed: int,
                   weeks: int, settings: dict) -> dict:
    """What identifies a study: its kind and settings, scenarios' contents, seed, version."""
    return {"kind": kind, "channelsim_version": package_version(), "seed": seed,
            "weeks": weeks, "reps": reps, "settings": settings,
            "scenarios": {n: scenario_hash(sc) for n, sc in scenarios.items()}}


def open_study(out: Path, kind: str, scenarios: dict[str, Scenario], reps: int, seed: int,
               weeks: int, settings: dict) -> OutcomeStore:
    """Create or reopen a study folder (StoreError if it holds another study)."""
    for name in scenarios:
        safe_name(name)
    store = OutcomeStore.open(Path(out), study_manifest(kind, scenarios, reps, seed, weeks,
                                                        settings))
    store.save_scenarios(scenarios)
    return store


def run_jobs(scenarios: dict[str, Scenario], jobs: list[Job], store: OutcomeStore,
             engine="processes", fn=None,
             progress: Callable[[Job, int, int], None] | None = None) -> dict[tuple, dict]:
    """Run the jobs not stored yet with ``fn`` (default :func:`run_outcomes`); all results.

    Returns:
        Each job's result by ``job.key``.

    """
    found: dict[tuple, dict] = {}
    for job in jobs:
        hit = store.stored(job.scenario, job.point, job.rep, job.uncertain)
        if hit is not None:
            found[job.key] = hit
    pending = [j for j in jobs if j.key not in found]

    def write(job: Job, result: dict) -> None:
        store.write_outcome(job.scenario, job.point, job.rep, job.uncertain, result)
        found[job.key] = result

    keep = keeper(store.root, write, len(jobs) - len(pending), len(jobs), progress)
    if pending:
        eng = copy.copy(make_engine(engine) if isinstance(engine, str) else engine)
        eng.fn = fn or run_outcomes
        eng.run(scenarios, pending, keep)
    return found


def run_points(scenarios: dict[str, Scenario], points: list[Point], reps: int, seed: int,
               weeks: int, store: OutcomeStore, engine="processes", first: int = 0,
               progress: Callable[[Job, int, int], None] | None = None) -> pd.DataFrame:
    """Run every point (numbered from ``first``) and return the outcomes of every run.

    Returns:
        One row per run: ``point, rep, scenario`` and the outcomes.

    """
    jobs = point_jobs(points, reps, seed, weeks, first)
    found = run_jobs(scenarios, jobs, store, engine, progress=progress)
    rows = [{"point": j.point, "rep": j.rep, "scenario": j.scenario, **found[j.key]}
            for j in jobs]
    return pd.DataFrame(rows)


def per_point(runs: pd.DataFrame, strategy: str, base: str | None = None,
              base_point: int | None = None) -> pd.DataFrame:
    """Each point's outcomes: the strategy's means, and against ``base`` the paired changes.

    Against a base, ``turnover_change_pct`` and ``margin_change_pct`` are the changes of
    the replication means in percent of the base's, and ``p_shrink`` is the share of
    replications in which the strategy's turnover is below the base's (paired by
    replication). The base is taken at the same point, or at ``base_point`` for all.
    """
    s = runs[runs["scenario"] == strategy].set_index(["point", "rep"])[list(OUTCOMES)]
    out = s.groupby(level="point").mean()
    if base is None:
        return out
    b = runs[runs["scenario"] == base]
    if base_point is not None:
        one = b[b["point"] == base_point].set_index("rep")[list(OUTCOMES)]
        b = pd.concat({p: one for p in out.index}, names=["point"])
    else:
        b = b.set_index(["point", "rep"])[list(OUTCOMES)]
    bm = b.groupby(level="point").mean()
    for k in ("turnover", "margin"):
        out[f"{k}_change_pct"] = 100.0 * (out[k] - bm[k]) / bm[k].abs()
    shrink = (s["turnover"] < b["turnover"].reindex(s.index)).astype(float)
    out["p_shrink"] = shrink.groupby(level="point").mean()
    out["change_conflicts_per_100_deals"] = (out["conflicts_per_100_deals"]
                                             - bm["conflicts_per_100_deals"])
    return out.replace([np.inf, -np.inf], np.nan)
