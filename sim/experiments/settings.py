"""Settings by dotted path: a copy of a scenario with numeric settings changed, and a run of it.

Studies (sweeps, sensitivity, discovery, optimisation, calibration) and ``run_experiment``
set levers and uncertainties alike by path (``policy.discounts.promo``); ``__`` may stand
for ``.`` where a caller cannot pass dots.
"""

from __future__ import annotations

from sim.run import run_model
from sim.scenario import Scenario
from sim.scenario.loader import set_paths
from sim.scenario.schema import check_numeric_path


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
