"""The roster check: each agent's simulated first year against what the roster says."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.report.charts.style import CHANNEL_COLOURS, MONEY, figure, tidy


def roster_scatter(table: pd.DataFrame, median_error: float, rank: float):
    """Simulated first-year figure (mean, 10-90% band) against the roster, log-log.

    Agents that bought nothing are drawn apart at the left edge (their roster figure is 0).
    """
    fig, ax = figure(7.5, 6.0)
    live = table[~table["bought_nothing"]]
    idle = table[table["bought_nothing"]]
    lo = max(float(live["roster"].min()) / 2, 1.0) if len(live) else 1.0
    hi = float(max(live["roster"].max(), live["high"].max())) * 2 if len(live) else 10.0
    for role, part in live.groupby("role"):
        ax.errorbar(part["roster"], part["simulated"],
                    yerr=[np.maximum(part["simulated"] - part["low"], 0),
                          np.maximum(part["high"] - part["simulated"], 0)],
                    fmt="o", ms=4, lw=0.8, alpha=0.8, color=CHANNEL_COLOURS.get(role, "#555"),
                    label=f"{role}s ({len(part)})")
    if len(idle):
        ax.scatter(np.full(len(idle), lo), np.maximum(idle["simulated"], lo), marker="x",
                   color="#888888", label=f"bought nothing ({len(idle)}), at the left edge")
    ax.plot([lo, hi], [lo, hi], color="#333333", lw=0.8, ls="--", label="simulated = roster")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo / 1.5, hi)
    ax.set_ylim(lo / 1.5, hi)
    ax.xaxis.set_major_formatter(MONEY)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    tidy(ax, f"First simulated year against the roster:\nmedian error {median_error:.0%}, "
         f"rank correlation {rank:.2f}", "roster's annual figure (agents simulated at 0 not "
         "shown)", "simulated first year (mean, 10-90% of futures)")
    return fig
