"""One look for every chart: colours per channel and per scenario, money on the axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

CHANNEL_COLOURS = {"direct": "#1b6ca8", "distributor": "#e07b39", "partner": "#3a9d5d",
                   "marketplace": "#8e5ea2"}
SCENARIO_COLOURS = ["#404040", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
                    "#e6ab02", "#a6761d"]
LOSS, GAIN = "#c0392b", "#27ae60"


def scenario_colour(names: list[str], name: str) -> str:
    """The colour of a scenario: the baseline dark grey, strategies in a fixed order."""
    return SCENARIO_COLOURS[names.index(name) % len(SCENARIO_COLOURS)]


def money(x: float, _pos=None) -> str:
    """Short money labels: 1.2M, 350k, 900."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.1f}B"
    if a >= 1e6:
        return f"{x / 1e6:.1f}M"
    if a >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


MONEY = FuncFormatter(money)


def figure(width: float = 9.0, height: float = 4.8, **kw):
    """A new figure and axes with the house style."""
    fig, ax = plt.subplots(figsize=(width, height), **kw)
    fig.set_layout_engine("constrained")
    return fig, ax


def tidy(ax, title: str, xlabel: str, ylabel: str, money_axis: str | None = "y") -> None:
    """Title that states the finding, labelled axes, money formatting, light grid."""
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if money_axis == "y":
        ax.yaxis.set_major_formatter(MONEY)
    elif money_axis == "x":
        ax.xaxis.set_major_formatter(MONEY)
    ax.grid(alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def mark_rollout(ax, rollout: dict | None, colour: str = "#555555") -> None:
    """Dashed lines at the pilot and full-rollout weeks."""
    if not rollout:
        return
    if rollout.get("pilot_week") and rollout.get("pilot_regions"):
        ax.axvline(rollout["pilot_week"], ls=":", color=colour, lw=1)
        ax.text(rollout["pilot_week"], 1.0, " pilot", transform=ax.get_xaxis_transform(),
                va="top", fontsize=8, color=colour)
    ax.axvline(rollout["full_week"], ls="--", color=colour, lw=1)
    ax.text(rollout["full_week"], 1.0, " rollout", transform=ax.get_xaxis_transform(),
            va="top", fontsize=8, color=colour)
