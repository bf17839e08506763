"""The pilot designer's trade-off: how small a pilot can be against what it can detect."""

from __future__ import annotations

import pandas as pd

from analysis.report.charts.style import GAIN, LOSS, figure, tidy

DURATION_MARKERS = {13: "o", 26: "s", 39: "^", 52: "D"}


def pilot_design_chart(table: pd.DataFrame, limit: float, metric: str, chosen: str | None):
    """Each design's size (pilot-region turnover over its weeks) against its MDE.

    Args:
        table: ``outcome_table`` rows (regions, weeks, size, mde, mde_upper, ...).
        limit: the largest MDE that qualifies (half the target effect), points.
        metric: what the pilot reads.
        chosen: the chosen design's label (``"regions, N weeks"``) or None.

    """
    fig, ax = figure(9.0, 4.8)
    for weeks, part in table.groupby("weeks"):
        ax.scatter(part["size"], part["mde_upper"], s=22, alpha=0.75,
                   marker=DURATION_MARKERS.get(int(weeks), "o"), label=f"{weeks} weeks",
                   color="#777777")
    ax.axhline(limit, color=GAIN, lw=1.2, ls="--")
    ax.text(ax.get_xlim()[0], limit, "  detects half the target", va="bottom", fontsize=8,
            color=GAIN)
    pick = table[table["chosen"]]
    if len(pick):
        ax.scatter(pick["size"], pick["mde_upper"], s=90, facecolors="none",
                   edgecolors=LOSS, linewidths=2, label="chosen", zorder=3)
    ax.set_yscale("log")
    title = (f"Smallest pilot that can tell: {chosen}" if chosen else
             "No pilot of 1-3 regions can tell the effect")
    tidy(ax, title, "pilot size: turnover of the pilot regions over the pilot's weeks",
         f"minimum detectable effect on {metric.replace('_', ' ')} (points, 95% bound)",
         money_axis="x")
    ax.legend(fontsize=8, frameon=False, loc="best")
    return fig
