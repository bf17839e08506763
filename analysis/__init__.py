"""What users do with simulations: summaries, statistics, reports and the command line."""

from analysis.summary import yearly_summary

__all__ = ["yearly_summary"]
