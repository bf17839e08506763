"""What users do with simulations: compare strategies, run studies, report.

Names load on first use, so that the command line starts fast.

* comparing: :func:`compare` (a results folder of ``channelsim compare``), :func:`load_results`,
  :func:`load_manifest`, :func:`yearly_summary`;
* studies, each returning a :class:`~analysis.studies.common.StudyResult` with its sentences:
  :func:`run_sweep`, :func:`run_sensitivity`, :func:`run_discovery`, :func:`run_optimize`,
  :func:`calibrate_scenario` (with :class:`Runs` saying how they run);
* what a comparison's verdict rests on: :func:`run_breakeven` (its ``lines`` say it) and
  :func:`save_breakeven`;
* the customer's choice fitted to a quote log: :func:`fit_choice` (a :class:`ChoiceFit`);
* reporting: :func:`build_report`.
"""

from sim.lazy import lazy_names

__all__ = ["ChoiceFit", "Comparison", "Runs", "build_report", "calibrate_scenario", "compare",
           "fit_choice", "load_manifest", "load_results", "run_breakeven", "run_discovery",
           "run_optimize", "run_sensitivity", "run_sweep", "save_breakeven", "yearly_summary"]
_HOME = {
    "Comparison": "analysis.comparison.paired",
    "compare": "analysis.comparison.paired",
    "load_manifest": "analysis.comparison.results",
    "load_results": "analysis.comparison.results",
    "yearly_summary": "analysis.comparison.summary",
    "Runs": "analysis.studies.common",
    "run_sweep": "analysis.studies.sweep",
    "run_sensitivity": "analysis.studies.sensitivity",
    "run_discovery": "analysis.studies.discovery",
    "run_optimize": "analysis.studies.optimize",
    "run_breakeven": "analysis.studies.breakeven",
    "save_breakeven": "analysis.studies.breakeven",
    "calibrate_scenario": "analysis.studies.calibrate_scenario",
    "build_report": "analysis.report.html",
    "fit_choice": "analysis.choicefit.fit",
    "ChoiceFit": "analysis.choicefit.fit",
}


__getattr__, __dir__ = lazy_names("analysis", _HOME)
