"""One look for every chart: colours per channel and per scenario, money on the axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import Formatter  # noqa: E402

CHANNEL_COLOURS = {"direct": "#1b6ca8", "distributor": "#e07b39", "partner": "#3a9d5d",
                   "marketplace": "#8e5ea2"}
SCENARIO_COLOURS = ["#404040", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
                    "#e6ab02", "#a6761d"]
LOSS, GAIN = "#c0392b", "#27ae60"


def readable(name: str) -> str:
    """A scenario's name as a person reads it: ``case_reform`` -> ``Case reform``."""
    text = " ".join(name.replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:]


def shown(res, name: str) -> str:
    """The name charts show for a scenario of a results folder: its label, readable."""
    return readable(res.manifest["scenarios"].get(name, {}).get("label", name))


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


class MoneyFormatter(Formatter):
    """Money tick labels (1.2M, 350k) with as many decimals as keep every tick distinct.

    One label is :func:`money`; a whole axis shares one unit (the largest tick's) and as
    many decimals as show every tick as it is, so no two ticks read the same (ticks 1,500
    and 2,000 read 1.5k and 2.0k, not 2k and 2k).
    """

    def __call__(self, x: float, pos=None) -> str:
        """One label, on its own (text on a chart, a single tick)."""
        return money(x)

    def format_ticks(self, values) -> list[str]:
        """Every tick of an axis, in one unit, with distinct labels."""
        values = list(values)
        top = max((abs(v) for v in values), default=0.0)
        scale, unit = next(((s, u) for s, u in ((1e9, "B"), (1e6, "M"), (1e3, "k"))
                            if top >= s), (1.0, ""))
        scaled = [v / scale for v in values]
        steps = [abs(b - a) for a, b in zip(scaled, scaled[1:], strict=False) if b != a]
        # exact to a twentieth of the tick step: 1.75M reads 1.75M, not 1.8M
        tol = min(steps, default=1.0) / 20
        for digits in range(4):
            if all(abs(round(v, digits) - v) <= tol for v in scaled):
                break
        return [_tick(v, digits, unit) for v in scaled]


def _tick(v: float, digits: int, unit: str) -> str:
    rounded = round(v, digits)
    return "0" if rounded == 0 else f"{rounded:.{digits}f}{unit}"


MONEY = MoneyFormatter()


def figure(width: float = 9.0, height: float = 4.8, **kw):
    """A new figure and axes with the house style."""
    fig, ax = plt.subplots(figsize=(width, height), **kw)
    fig.set_layout_engine("constrained")
    return fig, ax


def tidy(ax, title: str, xlabel: str, ylabel: str, money_axis: str | None = "y") -> None:
    """Title that states the finding, labelled axes, money formatting, light grid."""
    # wrapped at the figure's edge when drawn, so a long finding is never cut off
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", wrap=True)
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
