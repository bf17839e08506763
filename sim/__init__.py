"""channelsim's model: a manufacturer's sales channels as a Mesa agent-based model."""

from sim.api import run_model, simulate
from sim.model import ChannelModel
from sim.scenario import Scenario, ScenarioError, load_scenario, with_values

__all__ = [
    "ChannelModel",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_model",
    "simulate",
    "with_values",
]
