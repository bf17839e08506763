"""What users do with simulations: statistics, summaries and the command line.

Names load on first use, so that the command line starts fast.
"""

from sim.lazy import lazy_names

__all__ = ["Comparison", "compare", "load_manifest", "load_results", "yearly_summary"]
_HOME = {
    "Comparison": "analysis.comparison",
    "compare": "analysis.comparison",
    "load_manifest": "analysis.results",
    "load_results": "analysis.results",
    "yearly_summary": "analysis.summary",
}


__getattr__, __dir__ = lazy_names("analysis", _HOME)
