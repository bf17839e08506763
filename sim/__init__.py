"""channelsim's model: a manufacturer's sales channels as a Mesa agent-based model.

Names load on first use, so that reading scenario files does not import Mesa.
"""

from sim.lazy import lazy_names

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


__getattr__, __dir__ = lazy_names("sim", _HOME)
