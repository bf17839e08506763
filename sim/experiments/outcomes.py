"""Each run's scalar outcomes, each KPI formula written once, and the model as a function.

``run_experiment(**{"policy.discounts.promo": 0.0, "competitor.aggressiveness": 0.7})``
sets any numeric setting of a scenario (levers and uncertainties alike) and returns the
outcomes a strategist compares, averaged over replications: so SALib, EMA Workbench or an
optimiser can drive the simulator directly. Names may use ``__`` for ``.`` where a caller
cannot pass dots.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.experiments.settings import set_values
from sim.run import run_model
from sim.scenario import Scenario, load_scenario
from sim.vocab import WEEKS_PER_YEAR

OUTCOMES = ("turnover", "margin", "sell_through", "conflicts_per_100_deals", "price_dumping",
            "agents_active", "top20_share", "fill_rate")


def per_100_deals(count, deals):
    """A count per 100 deals created (NaN-free: 0 where no deal was created)."""
    deals = np.asarray(deals, dtype=float)
    count = np.asarray(count, dtype=float)
    out = np.divide(100.0 * count, deals, out=np.zeros(np.broadcast(count, deals).shape),
                    where=deals > 0)
    return float(out) if out.ndim == 0 else out


def outcomes(k) -> dict[str, float]:
    """Scalar outcomes of one run's weekly KPIs (last-year averages for the network)."""
    last = k.tail(WEEKS_PER_YEAR)
    return {
        "turnover": float(k["turnover"].sum()),
        "margin": float(k["margin"].sum()),
        "sell_through": float(k["sell_through"].sum()),
        "conflicts_per_100_deals": per_100_deals(k["conflicts"].sum(),
                                                 k["deals_created"].sum()),
        "price_dumping": float(k["price_dumping"].sum()),
        "agents_active": float(last["agents_active"].mean()),
        "top20_share": float(last["top20_share"].mean()),
        "fill_rate": float(k["fill_rate"].mean()),
    }


WINDOWED = ("turnover_after", "margin_after")


def windowed(k, from_week: int) -> dict[str, float]:
    """The outcomes plus turnover and margin summed from ``from_week`` on (a headline window).

    ``from_week`` is a strategy's first effect week; its baseline is read over the same
    weeks, so the change equals ``compare``'s headline (:mod:`analysis.comparison.windows`).
    """
    after = k[k["week"] >= from_week]
    return {**outcomes(k), "turnover_after": float(after["turnover"].sum()),
            "margin_after": float(after["margin"].sum())}


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
