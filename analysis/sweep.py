"""Sweep results: a tidy table and a chart of turnover change and P(shrink) vs the levers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.charts.style import LOSS, figure, tidy
from analysis.comparison import Comparison


def sweep_table(comp: Comparison, points: list[dict[str, float]]) -> pd.DataFrame:
    """One row per point: its settings, then the paired figures against the input."""
    rows = []
    for i, point in enumerate(points, start=1):
        r = comp.strategies[f"point-{i:04d}"]
        rows.append({"point": i, **point,
                     "turnover_change_pct": r.turnover_change_pct.estimate,
                     "turnover_change_pct_low": r.turnover_change_pct.low,
                     "turnover_change_pct_high": r.turnover_change_pct.high,
                     "margin_change_pct": r.margin_change_pct.estimate,
                     "p_shrink": r.p_shrink.estimate,
                     "change_conflicts_per_100_deals":
                         r.kpi_changes["conflicts_per_100_deals"].estimate})
    return pd.DataFrame(rows)


def sweep_chart(table: pd.DataFrame, paths: list[str]):
    """A line chart for one lever, a heatmap for two (the first two paths otherwise)."""
    if len(paths) == 1:
        p = paths[0]
        t = table.sort_values(p)
        fig, ax = figure()
        ax.plot(t[p], t["turnover_change_pct"], marker="o", color="#1b9e77",
                label="turnover change (%)")
        ax.fill_between(t[p], t["turnover_change_pct_low"], t["turnover_change_pct_high"],
                        color="#1b9e77", alpha=0.2)
        ax.axhline(0, color="black", lw=0.8)
        ax2 = ax.twinx()
        ax2.plot(t[p], 100 * t["p_shrink"], marker="s", color=LOSS, label="P(shrink) (%)")
        ax2.set_ylabel("P(shrink), % of futures", color=LOSS)
        ax2.set_ylim(0, 100)
        best = t.loc[t["turnover_change_pct"].idxmax()]
        tidy(ax, f"Turnover is highest at {p} = {best[p]:.3g} "
                 f"({best['turnover_change_pct']:+.1f}%)", p, "turnover change against the "
             "input (%)", money_axis=None)
        return fig
    a, b = paths[:2]
    grid = table.pivot_table(index=b, columns=a, values="turnover_change_pct", aggfunc="mean")
    fig, ax = figure()
    lim = max(float(np.nanmax(np.abs(grid.to_numpy()))), 0.1)
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="RdYlGn", vmin=-lim,
                   vmax=lim)
    ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index])
    fig.colorbar(im, ax=ax, label="turnover change against the input (%)")
    i, j = np.unravel_index(np.nanargmax(grid.to_numpy()), grid.shape)
    tidy(ax, f"Turnover is highest at {a} = {grid.columns[j]:.3g}, {b} = {grid.index[i]:.3g}",
         a, b, money_axis=None)
    ax.grid(False)
    return fig


def sweep_sentences(table: pd.DataFrame, paths: list[str]) -> list[str]:
    """The best and worst points of a sweep, in words."""
    best = table.loc[table["turnover_change_pct"].idxmax()]
    worst = table.loc[table["turnover_change_pct"].idxmin()]

    def at(row) -> str:
        return ", ".join(f"{p} = {row[p]:.3g}" for p in paths)

    return [f"Turnover is highest at {at(best)}: {best['turnover_change_pct']:+.1f}% against "
            f"the input, shrinking in {best['p_shrink']:.0%} of futures.",
            f"It is lowest at {at(worst)}: {worst['turnover_change_pct']:+.1f}%, shrinking in "
            f"{worst['p_shrink']:.0%} of futures.",
            f"{len(table)} points; turnover shrinks on average at "
            f"{int((table['turnover_change_pct'] < 0).sum())} of them."]
