"""Scenario files: schema and loader."""

from sim.scenario.loader import ScenarioError, deep_merge, load_scenario, with_values
from sim.scenario.schema import Scenario, resolve_path

__all__ = [
    "Scenario",
    "ScenarioError",
    "deep_merge",
    "load_scenario",
    "resolve_path",
    "with_values",
]
