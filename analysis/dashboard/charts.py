"""The dashboard's charts: the strategy against its baseline, week by week.

Each function takes a :class:`~analysis.dashboard.model.DashboardModel` and returns a
matplotlib Figure. Every chart spans the whole horizon from the start and marks the pilot
and the rollout, so before the first week it already shows when the strategy will switch
(with a note saying how to start) rather than empty axes.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from analysis.report.charts.style import (
    CHANNEL_COLOURS,
    MONEY,
    SCENARIO_COLOURS,
    mark_rollout,
    readable,
)

STRATEGY, BASELINE = SCENARIO_COLOURS[1], SCENARIO_COLOURS[0]
AVERAGE = 4   # weeks in the turnover charts' moving average (weekly values drawn faintly)
START_NOTE = "Press ▶ (play), Step or Run to week\nto simulate the first week"
CHANNEL_NAMES = {"direct": "Direct sales", "distributor": "Distributors",
                 "partner": "Partners", "marketplace": "Marketplace"}


def region_words(name: str) -> str:
    """A region's name for people: north_caucasus -> North Caucasus."""
    return name.replace("_", " ").title()


def _figure(height: float = 3.4, rows: int = 1, cols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(6.4, height), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    return fig, list(axes.flat)


def _frame(ax, model, column: str, title: str, ylabel: str, money: bool = False) -> None:
    """Title, units, the whole horizon, the rollout marked; a note before the first week.

    Money gets short labels (250k, 1.2M); anything else is a count or a percentage, so
    its ticks are whole numbers.
    """
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xlim(0.5, model.weeks + 0.5)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if money:
        ax.yaxis.set_major_formatter(MONEY)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    rollout = model.rollout
    mark_rollout(ax, rollout.model_dump() if rollout is not None else None)
    if rollout is not None and rollout.announce_weeks:
        ax.axvline(rollout.first_effect_week(), ls=":", color="#999999", lw=1)
    if model.week == 0:
        ax.set_yticks([])
        ax.text(0.5, 0.5, START_NOTE, transform=ax.transAxes, ha="center", va="center",
                fontsize=9, color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    elif not _nothing(model, column):
        ax.set_ylim(bottom=0)   # from zero: a flat count stays flat, no gap is magnified
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "none so far", transform=ax.transAxes, ha="center", va="center",
                fontsize=9, color="#555555")


def _nothing(model, column: str) -> bool:
    return not any(model.series(w)[column].any() for w in ("strategy", "baseline"))


def _pair(ax, model, column: str, scale: float = 1.0, colour: str = STRATEGY,
          average: int = 1) -> None:
    """The strategy's line (solid) and the baseline's (dashed) for one weekly column.

    With ``average`` > 1 the bold lines are that many weeks' moving average and the
    weekly values are drawn faintly behind them.
    """
    if _nothing(model, column):
        return
    for which, style in (("baseline", "--"), ("strategy", "-")):
        df = model.series(which)
        weeks = np.arange(1, len(df) + 1)
        values = df[column].to_numpy() * scale
        c = colour if which == "strategy" else (BASELINE if colour == STRATEGY else colour)
        if average > 1:
            ax.plot(weeks, values, ls=style, lw=0.6, color=c, alpha=0.3)
            values = df[column].rolling(average, min_periods=1).mean().to_numpy() * scale
        ax.plot(weeks, values, ls=style, lw=1.6 if style == "-" else 1.2, color=c,
                alpha=1.0 if which == "strategy" else 0.8)


def _legend(fig, model) -> None:
    """What solid and dashed stand for, under the chart (it never covers a line or title)."""
    handles = [Line2D([], [], color=STRATEGY, lw=1.6, label=strategy_label(model)),
               Line2D([], [], color=BASELINE, lw=1.2, ls="--", label="Baseline")]
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=2,
               frameon=False)


def strategy_label(model) -> str:
    """What the strategy line stands for, in words."""
    if model.rollout is None:
        return "Strategy: none (move a lever, then Reset)"
    name = readable(model.strategy.spec.name)
    return f"Strategy: {name}, levers changed" if model.levers_changed else f"Strategy: {name}"


def turnover(model) -> Figure:
    """The manufacturer's turnover per week, strategy against baseline."""
    fig, (ax,) = _figure()
    _pair(ax, model, "turnover", average=AVERAGE)
    _frame(ax, model, "turnover", f"Turnover ({AVERAGE}-week average)",
           f"{model.file.currency} per week", money=True)
    _legend(fig, model)
    ax.set_xlabel("week", fontsize=8)
    return fig


def channels(model) -> Figure:
    """Turnover per week by channel: one small chart per channel (solid strategy)."""
    fig, axes = _figure(height=4.2, rows=2, cols=2)
    for ax, (channel, colour) in zip(axes, CHANNEL_COLOURS.items(), strict=True):
        _pair(ax, model, f"turnover_{channel}", colour=colour, average=AVERAGE)
        _frame(ax, model, f"turnover_{channel}", CHANNEL_NAMES[channel],
               f"{model.file.currency}/week", money=True)
    for ax in axes[2:]:
        ax.set_xlabel("week", fontsize=8)
    fig.suptitle(f"Turnover by channel, {AVERAGE}-week average (solid: strategy, dashed: "
                 "baseline)", fontsize=10,
                 x=0.02, ha="left")
    return fig


def conflicts(model) -> Figure:
    """Channel conflicts and quotes below the recommended price, per week."""
    fig, axes = _figure(height=4.0, rows=2)
    _pair(axes[0], model, "conflicts")
    _frame(axes[0], model, "conflicts",
           "Channel conflicts: deals two of the brand's agents chase", "deals per week")
    _legend(fig, model)
    _pair(axes[1], model, "price_dumping")
    _frame(axes[1], model, "price_dumping",
           "Price dumping: quotes below the recommended price", "quotes per week")
    axes[1].set_xlabel("week", fontsize=8)
    return fig


def health(model) -> Figure:
    """Contracted distributors and partners, and those that are active."""
    fig, axes = _figure(height=4.0, rows=2)
    _pair(axes[0], model, "agents_active")
    _frame(axes[0], model, "agents_active", "Active distributors and partners", "agents")
    _legend(fig, model)
    _pair(axes[1], model, "mean_commitment", scale=100.0)
    _frame(axes[1], model, "mean_commitment", "Their mean commitment to the brand", "% (0-100)")
    axes[1].set_xlabel("week", fontsize=8)
    return fig


def regions(model, pos: dict) -> Figure:
    """The regions coloured by the strategy's turnover this week; pilot regions ringed."""
    g = model.strategy.space.G
    names = model.strategy.spec.market.regions
    week = model.week
    led = model.strategy.ledger
    values = (led.by_region[week - 1, 0].sum(axis=1) if week > 0 and led.recorded
              else np.zeros(g.number_of_nodes()))
    rollout = model.rollout
    pilot = set(rollout.pilot_regions) if rollout is not None else set()
    fig, (ax,) = _figure(height=3.8)
    nodes = nx.draw_networkx_nodes(g, pos, ax=ax, node_color=list(values), cmap="Greens",
                                   vmin=0.0, node_size=900,
                                   edgecolors=["#d95f02" if names[i] in pilot else "#555555"
                                               for i in g.nodes],
                                   linewidths=[3.0 if names[i] in pilot else 1.0
                                               for i in g.nodes])
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#999999")
    # a pale box behind each name keeps it readable on the darkest green
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=8,
                            labels={i: region_words(r) for i, r in enumerate(names)},
                            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75,
                                  "pad": 1.0})
    if week > 0:
        bar = fig.colorbar(nodes, ax=ax, shrink=0.8, format=MONEY)
        bar.set_label(f"turnover, {model.file.currency} this week", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    title = f"Strategy's turnover by region, week {week}" if week else "Regions"
    ax.set_title(title, loc="left", fontsize=10)
    if pilot:
        ax.legend(handles=[Line2D([], [], marker="o", ls="", markerfacecolor="white",
                                  markeredgecolor="#d95f02", markeredgewidth=2.5,
                                  markersize=10, label="pilot region")],
                  fontsize=8, loc="lower left", frameon=False)
    ax.set_axis_off()
    return fig


def summary(model) -> str:
    """One sentence on where the two markets stand."""
    if model.week == 0:
        return (f"Week 0 of {model.weeks}. Nothing simulated yet: press ▶, Step, or "
                "Run to week.")
    s, b = (model.series(w)["turnover"].sum() for w in ("strategy", "baseline"))
    gap = (s - b) / b * 100.0 if b else 0.0
    cur = model.file.currency
    return (f"Week {model.week} of {model.weeks}. Turnover so far: strategy "
            f"{MONEY(s)} {cur}, baseline {MONEY(b)} {cur} ({gap:+.1f}%).")
