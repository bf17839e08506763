"""The model as a plain function: scenario and seed in, a finished run or its weekly KPIs out."""

from __future__ import annotations

import pandas as pd

from sim.model import ChannelModel
from sim.scenario import Scenario, with_values


def run_model(scenario: Scenario, seed, weeks: int | None = None,
              uncertain: dict[str, float] | None = None) -> ChannelModel:
    """Build and run a model for ``weeks`` (default: the scenario's); return it."""
    if uncertain:
        scenario = with_values(scenario, uncertain)
    weeks = scenario.weeks if weeks is None else weeks
    model = ChannelModel(scenario, rng=seed, weeks=weeks)
    if weeks > 0:
        model.run_for(weeks)
    return model


def simulate(scenario: Scenario, seed, weeks: int | None = None,
             uncertain: dict[str, float] | None = None) -> pd.DataFrame:
    """Run one replication and return its weekly KPIs (one row per week).

    Args:
        scenario: a loaded scenario.
        seed: the replication seed (int or ``SeedSequence``).
        weeks: weeks to simulate (default: the scenario's ``weeks``).
        uncertain: values for the scenario's uncertain parameters, by dotted path,
            e.g. ``{"competitor.aggressiveness": 0.7}``.

    """
    return run_model(scenario, seed, weeks, uncertain).kpis()
