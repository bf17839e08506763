"""Replications: seeds, uncertain futures, and the jobs an engine runs.

Replication ``i`` of every scenario in a comparison uses the same seed,
``SeedSequence(seed).spawn(reps)[i]`` (common random numbers), and the same draw of the
baseline's uncertain parameters (a Latin hypercube across replications), so each
replication is one simulated future in which every strategy is tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import qmc

from sim.run import run_model
from sim.scenario import Scenario
from sim.scenario.schema import schema_bounds
from sim.scenario.uncertain import JOINT, joint_draws, transform

# Spawn key of the stream that samples uncertainties: far from the replication children.
_UNCERTAINTY_KEY = 10**9


def replication_seeds(seed: int, reps: int) -> list[np.random.SeedSequence]:
    """Seeds of replications ``0 .. reps-1``: ``SeedSequence(seed).spawn(reps)``."""
    return np.random.SeedSequence(seed).spawn(reps)


def sample_uncertainties(sc: Scenario, reps: int, seed: int) -> list[dict[str, float]]:
    """One set of uncertain values per replication, a Latin hypercube over the declarations.

    Each dimension is cut into ``reps`` equal strata of probability and every stratum is
    used once, so even a few replications cover each range. A range maps its stratum
    uniformly, a normal through its (truncated) quantile function, and the joint block
    through the normal's root of its covariance (rows outside the schema's bounds redrawn).
    Returns ``reps`` empty dicts when the scenario declares no uncertainties.
    """
    paths = sc.uncertain_paths()
    if not paths or reps == 0:
        return [{} for _ in range(reps)]
    ss = np.random.SeedSequence(seed, spawn_key=(_UNCERTAINTY_KEY,))
    rng = np.random.default_rng(ss)
    unit = qmc.LatinHypercube(d=len(paths), rng=rng).random(reps)
    values = np.empty_like(unit)
    single = [p for p in sorted(sc.uncertainties) if p != JOINT]
    for i, p in enumerate(single):
        values[:, i] = transform(sc.uncertainties[p], unit[:, i], schema_bounds(p))
    joint = sc.uncertainties.get(JOINT)
    if joint is not None:
        k = len(single)
        # the rejection stream follows the hypercube's, so ranges alone draw as they did
        values[:, k:] = joint_draws(joint, unit[:, k:],
                                    [schema_bounds(p) for p in joint.paths], rng)
    return [{p: float(v) for p, v in zip(paths, row, strict=True)} for row in values]


@dataclass(frozen=True)
class Job:
    """One replication of one scenario (at one point of a study's design)."""

    scenario: str
    rep: int
    seed: np.random.SeedSequence = field(compare=False)
    weeks: int
    uncertain: dict[str, float] = field(default_factory=dict, compare=False)
    point: int = 0

    @property
    def key(self) -> tuple[str, int, int]:
        """(scenario name, point of a study's design, replication)."""
        return self.scenario, self.point, self.rep


def run_job(scenario: Scenario, job: Job) -> dict:
    """Run one replication and return its tables (what a worker does)."""
    return run_model(scenario, job.seed, job.weeks, job.uncertain or None).tables()


def make_jobs(names: list[str], reps: int, seed: int, weeks: int,
              uncertain: list[dict[str, float]]) -> list[Job]:
    """Every (scenario, replication) pair, replication-major so early results are paired."""
    seeds = replication_seeds(seed, reps)
    return [Job(name, i, seeds[i], weeks, uncertain[i]) for i in range(reps) for name in names]
