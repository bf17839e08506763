"""Study designs: many settings, each tried in the same simulated futures.

A *point* of a design maps scenario names to the values (by dotted path) set on that
scenario at that point, e.g. ``{"base": {"market.growth": 0.05}, "strategy":
{"market.growth": 0.05, "policy.discounts.promo": 0.0}}``. Every point is run for
replications ``0..reps-1`` with the replication seeds of the study, so two points differ
only by their settings (common random numbers), and a strategy is paired with its base
in each replication. Runs return scalar outcomes
(:data:`sim.experiments.outcomes.OUTCOMES`), are stored one file each, and a rerun skips what
is stored.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.experiments.compare import keeper
from sim.experiments.engines import make_engine
from sim.experiments.outcomes import outcomes, windowed
from sim.experiments.seeds import Job, replication_seeds
from sim.experiments.settings import run_with, set_values
from sim.experiments.store import OutcomeStore, package_version, safe_name, scenario_hash
from sim.scenario import Scenario, ScenarioError
from sim.scenario.schema import check_numeric_path

Values = dict[str, float]
# Values per scenario: the same in every replication, or one dict per replication.
Point = dict[str, Values | list[Values]]


def run_outcomes(scenario: Scenario, job: Job) -> dict[str, float]:
    """Run one replication of ``scenario`` with ``job.uncertain`` set; its scalar outcomes."""
    return outcomes(run_with(scenario, job.uncertain, job.seed, job.weeks).kpis())


def run_windowed(scenario: Scenario, job: Job, from_week: int) -> dict[str, float]:
    """:func:`run_outcomes` plus turnover and margin from ``from_week`` on.

    Bind ``from_week`` with ``functools.partial`` to give it to an engine
    (:func:`sim.experiments.outcomes.windowed`).
    """
    return windowed(run_with(scenario, job.uncertain, job.seed, job.weeks).kpis(), from_week)


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


def run_points(scenarios: dict[str, Scenario], points: list[Point], store: OutcomeStore,
               engine="processes", first: int = 0,
               progress: Callable[[Job, int, int], None] | None = None,
               fn=None) -> pd.DataFrame:
    """Run every point (numbered from ``first``) and return the outcomes of every run.

    ``fn`` is the job function (default :func:`run_outcomes`).

    Replications, seed and horizon are the study's, as its folder's manifest records them.

    Returns:
        One row per run: ``point, rep, scenario`` and the outcomes.

    """
    man = store.manifest()
    jobs = point_jobs(points, man["reps"], man["seed"], man["weeks"], first)
    found = run_jobs(scenarios, jobs, store, engine, fn, progress=progress)
    rows = [{"point": j.point, "rep": j.rep, "scenario": j.scenario, **found[j.key]}
            for j in jobs]
    return pd.DataFrame(rows)


# -- designs of sweeps --------------------------------------------------------------
def design(varies: list[tuple[str, float, float, int]], samples: int | None = None,
           seed: int = 0) -> list[dict[str, float]]:
    """The points to run.

    The full factorial of each path's ``STEPS`` evenly spaced values, or, with ``samples``,
    a Latin hypercube of that many points over the ranges.
    """
    if samples:
        unit = qmc.LatinHypercube(d=len(varies), rng=np.random.default_rng(seed)).random(samples)
        return [{p: lo + u * (hi - lo) for (p, lo, hi, _), u in zip(varies, row, strict=True)}
                for row in unit]
    grids = [np.linspace(lo, hi, steps if steps else 2) for _, lo, hi, steps in varies]
    return [{p: float(v) for (p, *_), v in zip(varies, combo, strict=True)}
            for combo in itertools.product(*grids)]


def sweep_scenarios(base: Scenario, points: list[dict[str, float]]) -> dict[str, Scenario]:
    """The input (as ``base``) and one scenario per point (``point-0001``, ...).

    Raises:
        ScenarioError: a path that does not exist or is not numeric, or a value out of range.

    """
    problems = []
    for path in points[0] if points else {}:
        try:
            check_numeric_path(base, path)
        except ValueError as exc:
            problems.append(("--vary", path, str(exc)))
    if problems:
        raise ScenarioError(problems)
    out = {"base": base}
    for i, point in enumerate(points, start=1):
        out[f"point-{i:04d}"] = set_values(base, point)
    return out
