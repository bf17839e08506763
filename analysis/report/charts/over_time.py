"""Charts over time: turnover fans, the paired difference, channel mix, health, stock."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.comparison.paired import StrategyResult
from analysis.comparison.results import Results
from analysis.report.charts.style import (
    CHANNEL_COLOURS,
    LOSS,
    MONEY,
    figure,
    mark_rollout,
    scenario_colour,
    shown,
    tidy,
)
from sim.vocab import WEEKS_PER_QUARTER

CHANNELS = ("direct", "distributor", "partner", "marketplace")


def _quantiles(wide: pd.DataFrame) -> pd.DataFrame:
    q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).T
    q.columns = ["p05", "p25", "p50", "p75", "p95"]
    return q


def _fan(ax, q: pd.DataFrame, colour: str, label: str, bands: bool = True) -> None:
    if bands:
        ax.fill_between(q.index, q["p05"], q["p95"], color=colour, alpha=0.10, lw=0)
        ax.fill_between(q.index, q["p25"], q["p75"], color=colour, alpha=0.22, lw=0)
    ax.plot(q.index, q["p50"], color=colour, lw=1.5, label=label)


def turnover_fan(res: Results, smooth: int = 4):
    """Weekly turnover: one small panel per strategy, its fan against the baseline's.

    Each panel shows the strategy's median with its 50% and 90% bands across futures and
    the baseline's median with its 90% band, on one shared scale, so no two strategies'
    bands lie on top of each other.
    """
    k = res.kpis
    fans, finals = {}, {}
    for name in res.scenarios:
        wide = k[k["scenario"] == name].pivot(index="rep", columns="week", values="turnover")
        fans[name] = _quantiles(wide.T.rolling(smooth, min_periods=1).mean().T)
        finals[name] = fans[name]["p50"].iloc[-WEEKS_PER_QUARTER:].mean()
    strategies = res.scenarios[1:]
    cols = min(3, max(len(strategies), 1))
    rows = -(-max(len(strategies), 1) // cols)
    fig, axes = figure(9.0, 2.4 * rows + 1.0, nrows=rows, ncols=cols, sharex=True,
                       sharey=True, squeeze=False)
    base = fans[res.baseline]
    for ax, name in zip(axes.flat, strategies, strict=False):
        ax.fill_between(base.index, base["p05"], base["p95"], color="#999999", alpha=0.15,
                        lw=0)
        _fan(ax, base, "#404040", f"{shown(res, res.baseline)} (baseline)", bands=False)
        _fan(ax, fans[name], scenario_colour(res.scenarios, name), "strategy")
        mark_rollout(ax, res.rollout(name))
        ax.set_title(shown(res, name), loc="left", fontsize=9)
        ax.yaxis.set_major_formatter(MONEY)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(strategies):]:
        ax.set_axis_off()
    for i, ax in enumerate(axes.flat[:len(strategies)]):
        if i + cols >= len(strategies):     # nothing below it: its own week axis
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("week")
    for ax in axes[:, 0]:
        ax.set_ylabel(f"per week ({res.currency})")
    fig.legend(*axes.flat[0].get_legend_handles_labels(), fontsize=8, frameon=False,
               loc="outside lower center", ncol=2)
    best = max(finals, key=finals.get)
    fig.suptitle(f"{shown(res, best)} ends with the highest weekly turnover (median, "
                 f"{smooth}-week mean; grey: the baseline)", x=0.01, ha="left", fontsize=11,
                 fontweight="bold", wrap=True)
    return fig


def difference_fan(res: Results, r: StrategyResult):
    """The paired difference strategy − baseline per week, with the dip and recovery marked."""
    c = r.dip_curve
    fig, ax = figure()
    ax.fill_between(c["week"], c["low"], c["high"], color="#1b9e77", alpha=0.2, lw=0,
                    label="95% band of the mean")
    ax.plot(c["week"], c["diff"], color="#1b9e77", lw=1.8, label="mean difference (4-week)")
    ax.axhline(0, color="black", lw=0.8)
    mark_rollout(ax, res.rollout(r.name))
    d = r.dip
    ax.annotate(f"dip {d.depth_pct:+.1f}% (week {d.week})", (d.week, d.depth),
                xytext=(10, -18), textcoords="offset points", color=LOSS, fontsize=9,
                arrowprops={"arrowstyle": "->", "color": LOSS})
    if d.recovery_week is not None:
        ax.axvline(d.recovery_week, color="#555555", lw=0.8)
        ax.text(d.recovery_week, 0.02, f" recovered, week {d.recovery_week}",
                transform=ax.get_xaxis_transform(), fontsize=8)
        when = f"recovers by week {d.recovery_week}"
    else:
        when = "does not recover within the horizon"
    tidy(ax, f"{shown(res, r.name)}: worst dip {d.depth_pct:+.1f}% of baseline turnover, {when}",
         "week", f"strategy − baseline, per week ({res.currency})")
    # below the plot, clear of the dip's label and the recovery line's
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncol=2)
    return fig


def channel_mix(res: Results, name: str):
    """Stacked weekly turnover by channel (mean across futures)."""
    k = res.kpis[res.kpis["scenario"] == name]
    m = k.groupby("week")[[f"turnover_{c}" for c in CHANNELS]].mean().rolling(
        4, min_periods=1).mean()
    fig, ax = figure()
    ax.stackplot(m.index, *[m[f"turnover_{c}"].clip(lower=0) for c in CHANNELS],
                 labels=list(CHANNELS), colors=[CHANNEL_COLOURS[c] for c in CHANNELS],
                 alpha=0.85)
    share = m.sum() / m.sum().sum()
    top = share.idxmax().removeprefix("turnover_")
    mark_rollout(ax, res.rollout(name))
    tidy(ax, f"{shown(res, name)}: {top} carries {share.max():.0%} of turnover",
         "week", f"turnover per week ({res.currency}, 4-week mean)")
    # below the plot: inside it would cover the areas and the pilot and rollout marks
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncol=4)
    return fig


def network_health(res: Results, name: str):
    """Contracted, active and defected distributors and partners over time."""
    k = res.kpis[res.kpis["scenario"] == name].groupby("week")[
        ["agents_contracted", "agents_active", "agents_defected"]].mean()
    fig, ax = figure()
    for col, colour in (("agents_contracted", "#404040"), ("agents_active", "#27ae60"),
                        ("agents_defected", LOSS)):
        ax.plot(k.index, k[col], color=colour, lw=1.6, label=col.removeprefix("agents_"))
    mark_rollout(ax, res.rollout(name))
    end = k.iloc[-1]
    tidy(ax, f"{shown(res, name)}: {end['agents_active']:.0f} of "
             f"{end['agents_contracted']:.0f} contracted agents are active at the end", "week",
         "agents (mean across futures)", money_axis=None)
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncol=3)
    return fig


def stock_bridge(res: Results, name: str):
    """Distributors' sell-in, sell-through (at purchase price) and stock change by quarter."""
    a = res.table("agents")
    a = a[(a["scenario"] == name) & (a["role"] == "distributor")]
    k = res.kpis[res.kpis["scenario"] == name]
    q_of = (a["week"] - 1) // WEEKS_PER_QUARTER + 1
    sell_in = a.assign(q=q_of).groupby(["rep", "q"])["purchases"].sum().groupby("q").mean()
    inv = k.assign(q=(k["week"] - 1) // WEEKS_PER_QUARTER + 1).groupby(["rep", "q"])[
        "channel_inventory_value"].last().groupby("q").mean()
    change = inv.diff().fillna(0.0)
    through = sell_in - change
    fig, ax = figure()
    x = np.arange(len(sell_in))
    ax.bar(x - 0.27, sell_in.to_numpy(), 0.27, color="#e07b39", label="sell-in (purchases)")
    ax.bar(x, through.to_numpy(), 0.27, color="#3a9d5d", label="sell-through at purchase price")
    ax.bar(x + 0.27, change.to_numpy(), 0.27, color=np.where(change < 0, LOSS, "#7f8c8d"),
           label="change in channel stock")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, [f"Q{q}" for q in sell_in.index])
    worst = change.idxmin()
    tidy(ax, f"{shown(res, name)}: channel stock falls most in Q{worst} ({change.min():+,.0f} "
             f"{res.currency})", "quarter", f"per quarter ({res.currency}, mean of futures)")
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncol=3)
    return fig
