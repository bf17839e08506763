"""Running many replications: into memory, or into a resumable result store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.experiments.engines import make_engine
from sim.experiments.preflight import check_runs
from sim.experiments.seeds import Job, make_jobs, sample_uncertainties
from sim.experiments.store import (
    TABLES,
    ResultStore,
    StoreError,
    package_version,
    safe_name,
    scenario_hash,
)
from sim.scenario import Scenario


def _engine(engine):
    return make_engine(engine) if isinstance(engine, str) else engine


def run_replications(scenario: Scenario, reps: int, seed: int, weeks: int | None = None,
                     engine="serial", uncertainty: bool = True) -> dict[str, pd.DataFrame]:
    """Run ``reps`` replications of one scenario in memory.

    Args:
        scenario: a loaded scenario.
        reps: number of replications.
        seed: the comparison seed; replication ``i`` uses ``SeedSequence(seed).spawn(reps)[i]``.
        weeks: weeks per replication (default: the scenario's).
        engine: ``"serial"``, ``"processes"``, ``"dask"`` or an engine object.
        uncertainty: draw the scenario's uncertain parameters per replication.

    Returns:
        The tables (``TABLES``), each with a ``rep`` column first.

    """
    weeks = scenario.weeks if weeks is None else weeks
    values = (sample_uncertainties(scenario, reps, seed) if uncertainty
              else [{} for _ in range(reps)])
    jobs = make_jobs([scenario.name], reps, seed, weeks, values)
    out: dict[int, dict] = {}

    def keep(job: Job, tables: dict) -> None:
        out[job.rep] = tables

    _engine(engine).run({scenario.name: scenario}, jobs, keep)
    tables = {}
    for t in TABLES:
        frames = []
        for r in sorted(out):
            df = out[r][t].copy()
            df.insert(0, "rep", r)
            frames.append(df)
        tables[t] = pd.concat(frames, ignore_index=True)
    return tables


def comparison_manifest(scenarios: dict[str, Scenario], baseline: str, reps: int, seed: int,
                        weeks: int, uncertain: list[dict[str, float]],
                        labels: dict[str, str] | None = None) -> dict:
    """What identifies a comparison: scenarios' contents, seed, weeks, reps, version."""
    def rollout(sc: Scenario) -> dict | None:
        ro = sc.rollout
        if ro is None:
            return None
        return {"pilot_regions": ro.pilot_regions, "pilot_week": ro.pilot_week,
                "full_week": ro.full_week, "start_week": ro.start_week(),
                "first_effect_week": ro.first_effect_week()}

    return {
        "channelsim_version": package_version(),
        "seed": seed,
        "weeks": weeks,
        "reps": reps,
        "baseline": baseline,
        "order": list(scenarios),
        "scenarios": {n: {"hash": scenario_hash(sc), "name": sc.name,
                          "label": (labels or {}).get(n, n), "currency": sc.currency,
                          "regions": sc.market.regions,
                          "region_links": [list(e) for e in sc.market.region_links or []],
                          "rollout": rollout(sc)}
                      for n, sc in scenarios.items()},
        "uncertain_values": uncertain,
    }


def run_comparison(  # noqa: PLR0913 - the public call; its settings are compare's options
        scenarios: dict[str, Scenario], baseline: str, reps: int, seed: int, weeks: int,
        out: Path, engine="processes", uncertainty: bool = True,
        progress: Callable[[Job, int, int], None] | None = None,
        labels: dict[str, str] | None = None) -> ResultStore:
    """Run every scenario for replications ``0..reps-1`` into the store at ``out``.

    Replications already stored are skipped, so a killed run resumes where it stopped and
    ends with exactly the files of an uninterrupted run. The baseline's uncertainties are
    drawn once per replication and used by every scenario of that replication.

    Args:
        scenarios: scenarios by name (the names label the result folders).
        baseline: the name of the baseline, whose uncertainties are drawn.
        reps: replications (simulated futures).
        seed: the comparison seed.
        weeks: weeks per replication.
        out: the result folder.
        engine: ``"serial"``, ``"processes"``, ``"dask"`` or an engine object.
        uncertainty: draw the baseline's uncertain parameters per replication.
        progress: called as ``progress(job, done, total)`` after each stored replication.
        labels: the name to show for each scenario, where it differs from its folder name.

    Raises:
        PreflightError: the horizon ends before a strategy starts, or the comparison would
            not fit in memory (checked before anything is written).
        StoreError: the folder holds another comparison or cannot be written.

    """
    for name in scenarios:
        safe_name(name)
    check_runs(scenarios, weeks, getattr(engine, "workers", 1) if not isinstance(engine, str)
               else 1, reps)
    base = scenarios[baseline]
    uncertain = (sample_uncertainties(base, reps, seed) if uncertainty
                 else [{} for _ in range(reps)])
    manifest = comparison_manifest(scenarios, baseline, reps, seed, weeks, uncertain, labels)
    store = ResultStore.open(Path(out), manifest)
    store.save_scenarios(scenarios)
    jobs = make_jobs(list(scenarios), reps, seed, weeks, uncertain)
    pending = [j for j in jobs if not store.done(j.scenario, j.rep)]

    keep = keeper(store.root, lambda job, tables: store.write(job.scenario, job.rep, tables),
                  len(jobs) - len(pending), len(jobs), progress)
    if pending:
        _engine(engine).run(scenarios, pending, keep)
    return store


def keeper(root: Path, write: Callable[[Job, dict], None], done: int, total: int,
           progress: Callable[[Job, int, int], None] | None) -> Callable[[Job, dict], None]:
    """The engine's callback: ``write`` each result as it arrives, then report progress.

    A disk that refuses a write becomes a StoreError saying that what is stored is intact.
    """
    def keep(job: Job, result: dict) -> None:
        nonlocal done
        try:
            write(job, result)
        except OSError as exc:
            raise StoreError(f"{root}: cannot write results "
                             f"({exc.strerror or exc.__class__.__name__}); the runs already "
                             "stored are intact, rerun to continue") from None
        done += 1
        if progress is not None:
            progress(job, done, total)

    return keep
