"""What users do with simulations: statistics, summaries and the command line.

Names load on first use, so that the command line starts fast.
"""

from importlib import import_module

__all__ = ["Comparison", "compare", "load_manifest", "load_results", "yearly_summary"]
_HOME = {
    "Comparison": "analysis.comparison",
    "compare": "analysis.comparison",
    "load_manifest": "analysis.results",
    "load_results": "analysis.results",
    "yearly_summary": "analysis.summary",
}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
