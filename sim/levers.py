"""The model as a plain function of parameters: dotted paths in, scalar outcomes out.

``run_experiment(**{"policy.discounts.promo": 0.0, "competitor.aggressiveness": 0.7})``
sets any numeric setting of a scenario (levers and uncertainties alike) and returns the
outcomes a strategist compares, averaged over replications: so SALib, EMA Workbench or an
optimiser can drive the simulator directly. Names may use ``__`` for ``.`` where a caller
cannot pass dots.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.api import run_model
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import set_paths
from sim.scenario.schema import check_numeric_path

OUTCOMES = ("turnover", "margin", "sell_through", "conflicts_per_100_deals", "price_dumping",
            "agents_active", "top20_share", "fill_rate")


def set_values(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A copy of ``scenario`` with numeric settings (levers or not) changed, by dotted path.

    Raises:
        ScenarioError: a path that does not exist, is not a number, or a value the schema
            refuses (one line per problem, naming the path).

    """
    return set_paths(scenario, values, check_numeric_path, "<parameters>")


def run_with(scenario: Scenario, values: dict[str, float], seed, weeks: int | None = None):
    """Run one replication of ``scenario`` with settings changed by dotted path; the model."""
    return run_model(set_values(scenario, values) if values else scenario, seed, weeks)


def outcomes(k) -> dict[str, float]:
    """Scalar outcomes of one run's weekly KPIs."""
    deals = k["deals_created"].sum()
    last = k.tail(52)
    return {
        "turnover": float(k["turnover"].sum()),
        "margin": float(k["margin"].sum()),
        "sell_through": float(k["sell_through"].sum()),
        "conflicts_per_100_deals": float(100.0 * k["conflicts"].sum() / deals) if deals else 0.0,
        "price_dumping": float(k["price_dumping"].sum()),
        "agents_active": float(last["agents_active"].mean()),
        "top20_share": float(last["top20_share"].mean()),
        "fill_rate": float(k["fill_rate"].mean()),
    }


def run_experiment(scenario: Scenario | str | Path = "scenarios/case_baseline.yaml",
                   seed: int = 1, reps: int = 1, weeks: int | None = None,
                   **params: float) -> dict[str, float]:
    """Run the scenario with ``params`` set, and return its outcomes (mean over ``reps``).

    Args:
        scenario: a Scenario or a scenario file.
        seed: replication ``i`` uses ``SeedSequence(seed).spawn(reps)[i]``, the same for
            every parameter setting (common random numbers across experiments).
        reps: replications to average.
        weeks: weeks to simulate (default: the scenario's).
        **params: settings by dotted path (``.`` or ``__``), levers and uncertainties.

    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if params:
        sc = set_values(sc, params)
    seeds = np.random.SeedSequence(seed).spawn(reps)
    runs = [outcomes(run_model(sc, s, weeks).kpis()) for s in seeds]
    return {name: float(np.mean([r[name] for r in runs])) for name in OUTCOMES}
