"""channelsim's model: a manufacturer's sales channels as a Mesa agent-based model.

Names load on first use, so that reading scenario files does not import Mesa.
"""

from importlib import import_module

__all__ = [
    "ChannelModel",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_comparison",
    "run_experiment",
    "run_model",
    "run_replications",
    "simulate",
    "with_values",
]
_HOME = {
    "ChannelModel": "sim.model",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
    "run_model": "sim.api",
    "run_comparison": "sim.runner",
    "run_experiment": "sim.levers",
    "run_replications": "sim.runner",
    "simulate": "sim.api",
    "with_values": "sim.scenario",
}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
