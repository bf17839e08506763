"""Charts of the stress tests: sensitivity ranking, discovery trade-off and map, optimisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from analysis.report.charts.style import GAIN, LOSS, figure, tidy

IMPORTANCE = {"tornado": "swing of the outcome, low to high", "morris": "μ* (mean |effect|)",
              "sobol": "total-effect index ST"}


def sensitivity_chart(table: pd.DataFrame, method: str, outcome: str):
    """Tornado bars around the base outcome, or ranked importance bars with intervals."""
    t = table.iloc[::-1]
    fig, ax = figure(9.0, 0.5 * len(t) + 1.8)
    labels = list(t["factor"])
    top = table.iloc[0]
    if method == "tornado":
        base = float(t["y_base"].iloc[0])
        for i, row in enumerate(t.itertuples()):
            for y_end, colour, txt in ((row.y_low, "#7f9fbf", f"{row.low:.3g}"),
                                       (row.y_high, "#1b6ca8", f"{row.high:.3g}")):
                ax.barh(i, y_end - base, left=base, color=colour, height=0.6)
                ax.text(y_end, i, f" {txt} ", va="center", fontsize=8,
                        ha="left" if y_end >= base else "right")
        ax.axvline(base, color="black", lw=0.8)
        title = f"{outcome[0].upper()}{outcome[1:]} is most sensitive to {top['factor']}"
        xlabel = f"{outcome} (light bar: factor at low, dark: at high; line: all at base)"
    else:
        col = "mu_star" if method == "morris" else "ST"
        ax.barh(range(len(t)), t[col], xerr=t[f"{col}_conf"], color="#1b6ca8", height=0.6,
                capsize=3)
        if method == "sobol":
            ax.barh(range(len(t)), t["S1"], color="#7f9fbf", height=0.3, label="S1 (alone)")
            ax.legend(loc="lower right", frameon=False)
        title = f"{outcome[0].upper()}{outcome[1:]} is most sensitive to {top['factor']}"
        xlabel = IMPORTANCE[method]
    ax.set_yticks(range(len(t)), labels)
    money = method == "tornado" and outcome in ("turnover", "margin", "sell_through")
    tidy(ax, title, xlabel, "", money_axis="x" if money else None)
    return fig


def tradeoff_chart(trajectory: pd.DataFrame, label: str = "turnover shrinks"):
    """PRIM's peeling trajectory: coverage against density, the chosen box marked."""
    fig, ax = figure(7.5, 5.0)
    dims = trajectory["res_dim"].astype(int)
    sc = ax.scatter(trajectory["coverage"], trajectory["density"], c=dims,
                    cmap="viridis", s=25, vmin=0, vmax=max(int(dims.max()), 1))
    fig.colorbar(sc, ax=ax, label="conditions in the box",
                 ticks=range(0, max(int(dims.max()), 1) + 1))
    chosen = trajectory[trajectory["chosen"].astype(bool)]
    if len(chosen):
        c = chosen.iloc[0]
        ax.scatter([c["coverage"]], [c["density"]], s=180, facecolors="none",
                   edgecolors=LOSS, linewidths=2, label="box reported")
        ax.legend(loc="lower left", frameon=False)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    tidy(ax, "Narrower conditions single out the futures better but cover fewer of them",
         f"coverage (share of all futures where {label} that lie in the box)",
         f"density (share of futures in the box where {label})", money_axis=None)
    return fig


def discovery_map(table: pd.DataFrame, x: str, y: str, limits: dict | None,
                  label: str = "turnover shrinks"):
    """Sampled futures on two uncertainties: those of interest red, the rule's box drawn."""
    fig, ax = figure(7.5, 5.5)
    shrink = table["shrinks"].astype(bool)
    ax.scatter(table.loc[~shrink, x], table.loc[~shrink, y], color=GAIN, s=22,
               label="other futures")
    ax.scatter(table.loc[shrink, x], table.loc[shrink, y], color=LOSS, s=22, marker="x",
               label=label)
    if limits:
        xlo, xhi = limits.get(x, (None, None))
        ylo, yhi = limits.get(y, (None, None))
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        x0, x1 = (xlo if xlo is not None else x0), (xhi if xhi is not None else x1)
        y0, y1 = (ylo if ylo is not None else y0), (yhi if yhi is not None else y1)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ls="--", lw=1.5,
                               edgecolor="black", label="conditions found"))
    ax.legend(loc="best", frameon=True, fontsize=8)
    share = shrink.mean()
    tidy(ax, f"{label[0].upper()}{label[1:]} in {share:.0%} of the futures sampled", x, y,
         money_axis=None)
    return fig


def optimize_chart(table: pd.DataFrame, objective: str, max_p_shrink: float,
                   best_trial: int | None):
    """Every trial's objective against its risk; feasible ones in colour, the best starred."""
    fig, ax = figure(8.0, 5.0)
    ok = table["feasible"].astype(bool)
    ax.scatter(100 * table.loc[~ok, "p_shrink"], table.loc[~ok, "objective"], color="#bbbbbb",
               s=28, label="too risky")
    ax.scatter(100 * table.loc[ok, "p_shrink"], table.loc[ok, "objective"], color="#1b6ca8",
               s=28, label="acceptable risk")
    ax.axvline(100 * max_p_shrink, color=LOSS, ls="--", lw=1, label="risk limit")
    ax.axhline(0, color="black", lw=0.8)
    if best_trial is not None:
        b = table[table["trial"] == best_trial].iloc[0]
        ax.scatter([100 * b["p_shrink"]], [b["objective"]], marker="*", s=260, color="#e6ab02",
                   edgecolors="black", zorder=5, label=f"best (trial {best_trial})")
        title = (f"Best acceptable setting: {objective} {b['objective']:+.1f}% at "
                 f"P(shrink) {b['p_shrink']:.0%}")
    else:
        title = "No setting tried keeps P(shrink) within the limit"
    ax.legend(loc="best", frameon=False, fontsize=8)
    ax.set_xlim(-3, 103)
    tidy(ax, title, "P(shrink): % of futures in which turnover falls below the start",
         f"{objective} against the starting scenario (%)", money_axis=None)
    return fig


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
