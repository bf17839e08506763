"""channelsim's model: a manufacturer's sales channels as a Mesa agent-based model.

Names load on first use, so that reading scenario files does not import Mesa.

* the scenario: :func:`load_scenario`, :class:`Scenario`, :func:`with_values`;
* one run: :class:`ChannelModel`, :func:`run_model`, :func:`simulate`;
* many runs: :func:`run_replications`, :func:`run_comparison`, :func:`run_experiment`
  (from ``sim.experiments``, which imports the model; the model never imports it).
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
    "run_model": "sim.run",
    "run_comparison": "sim.experiments.compare",
    "run_experiment": "sim.experiments.outcomes",
    "run_replications": "sim.experiments.compare",
    "simulate": "sim.run",
    "with_values": "sim.scenario",
}


__getattr__, __dir__ = lazy_names("sim", _HOME)
