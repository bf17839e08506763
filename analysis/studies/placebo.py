"""The pilot's placebo: its estimator on futures in which nothing changed.

Baseline minus baseline is exactly zero under common random numbers, so the placebo is not
a difference of arms: it is the pilot estimator (``analysis.comparison.pilot_power.did``)
computed on the baseline alone, over the pilot's regions and windows, in many independent
futures (each its own seed and draw of the baseline's uncertainties). Its spread is the
noise a real pilot of that design would have to beat.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from analysis.comparison.pilot_power import RAW, region_cube
from analysis.comparison.results import PLACEBO_FILE, read_placebo
from sim.experiments.engines import make_engine
from sim.experiments.seeds import Job, make_jobs, sample_uncertainties
from sim.scenario import Scenario

PLACEBO_FUTURES = 200
# Spawn key of the placebo's futures: apart from a comparison's replications on the same seed.
_PLACEBO_KEY = 7_000


def placebo_seed(seed: int) -> int:
    """The placebo's own seed, derived from the comparison's (its futures are not the arms')."""
    return int(np.random.SeedSequence(seed, spawn_key=(_PLACEBO_KEY,)).generate_state(1)[0])


def region_cubes(scenarios: dict[str, Scenario], weeks: int, futures: int, seed: int,
                 values: list[dict[str, float]], engine="serial") -> dict[str, dict]:
    """Weekly region totals of each scenario in ``futures`` paired futures.

    Replication ``i`` of every scenario uses ``SeedSequence(seed).spawn(futures)[i]`` and the
    uncertain ``values[i]`` (common random numbers). Each run's by_region table is reduced as
    it arrives, so memory does not grow with its size.

    Returns:
        Per scenario, per metric, a ``(futures, weeks, regions)`` array.

    """
    cubes = {name: {m: np.zeros((futures, weeks, len(sc.market.regions))) for m in RAW}
             for name, sc in scenarios.items()}

    def keep(job: Job, tables: dict) -> None:
        one = region_cube(tables["by_region"].assign(rep=0),
                          list(scenarios[job.scenario].market.regions), weeks)
        for m in RAW:
            cubes[job.scenario][m][job.rep] = one[m][0]

    eng = make_engine(engine) if isinstance(engine, str) else engine
    eng.run(scenarios, make_jobs(list(scenarios), futures, seed, weeks, values), keep)
    return cubes


def placebo_cube(baseline: Scenario, weeks: int, futures: int, seed: int, engine="serial",
                 uncertainty: bool = True) -> dict[str, np.ndarray]:
    """The baseline alone in ``futures`` futures of its own seed (``placebo_seed(seed)``).

    Returns:
        Per metric, a ``(futures, weeks, regions)`` array of weekly region totals; every
        pilot design (regions, start, length) within those weeks reads its windows from it.

    """
    s = placebo_seed(seed)
    values = (sample_uncertainties(baseline, futures, s) if uncertainty
              else [{} for _ in range(futures)])
    return region_cubes({baseline.name: baseline}, weeks, futures, s, values,
                        engine)[baseline.name]


def placebo_weeks(manifest: dict) -> int:
    """Weeks the placebo must cover: the last pilot week of any strategy (0 without one)."""
    ends = [min(ro["full_week"], manifest["weeks"] + 1) - 1
            for sc in manifest["scenarios"].values()
            if (ro := sc["rollout"]) and ro.get("pilot_regions") and ro.get("pilot_week")]
    return max(ends, default=0)


def write_placebo(root: Path, baseline: Scenario, manifest: dict, futures: int,
                  engine="serial", uncertainty: bool = True) -> Path | None:
    """Run the placebo for a comparison's pilots and keep it as ``placebo.npz`` (or None).

    A placebo already stored for the same futures, seed and weeks is kept as it is.
    """
    weeks = placebo_weeks(manifest)
    if weeks == 0:
        return None
    path = Path(root) / PLACEBO_FILE
    meta = {"futures": futures, "seed": manifest["seed"], "weeks": weeks,
            "uncertainty": uncertainty, "regions": list(baseline.market.regions)}
    if path.exists() and read_placebo(root, cube=False)[0] == meta:
        return path
    cube = placebo_cube(baseline, weeks, futures, manifest["seed"], engine, uncertainty)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.npz")
    np.savez_compressed(tmp, meta=json.dumps(meta), **cube)
    os.replace(tmp, path)
    return path
