"""Observed against simulated: a calibration's monthly revenue with its 90% band."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.report.charts.style import CHANNEL_COLOURS, MONEY, figure


def _band(runs: list[dict], channel: str | None, months: int,
          channels: list[str]) -> np.ndarray:
    """Simulated monthly revenue, one row per run (the total of ``channels`` for None)."""
    rows = []
    for r in runs:
        ch = pd.DataFrame(r["channels"])[channels].iloc[:months]
        rows.append(ch.sum(axis=1).to_numpy() if channel is None else ch[channel].to_numpy())
    return np.array(rows)


def forecast_coverage(hist, runs: list[dict], fit_months: int) -> pd.DataFrame:
    """Per month: observed total revenue, the simulated 5%, 50%, 95%, and whether inside."""
    months = len(hist.months)
    sims = _band(runs, None, months, list(hist.channels.columns))
    obs = hist.channels.sum(axis=1).to_numpy()
    lo, mid, hi = np.percentile(sims, [5, 50, 95], axis=0)
    return pd.DataFrame({"month": hist.months, "observed": obs, "simulated_p5": lo,
                         "simulated_median": mid, "simulated_p95": hi,
                         "inside_band": (obs >= lo) & (obs <= hi),
                         "held_out": np.arange(months) >= fit_months})


def calibration_chart(hist, runs: list[dict], table: pd.DataFrame):
    """Total and per-channel monthly revenue: observed line, simulated median and band.

    ``table`` is the :func:`forecast_coverage` of the same runs (held-out months shaded).
    """
    months = len(hist.months)
    fit_months = int((~table["held_out"]).sum())
    panels = [None, *hist.channels.columns]
    fig, axes = figure(11.0, 2.6 * ((len(panels) + 1) // 2), nrows=(len(panels) + 1) // 2,
                       ncols=2, sharex=True)
    axes = np.atleast_1d(axes).ravel()
    x = np.arange(months)
    held = table[table["held_out"]]
    for ax, channel in zip(axes, panels, strict=False):
        sims = _band(runs, channel, months, list(hist.channels.columns))
        lo, mid, hi = np.percentile(sims, [5, 50, 95], axis=0)
        colour = "#404040" if channel is None else CHANNEL_COLOURS[channel]
        obs = (hist.channels.sum(axis=1) if channel is None else hist.channels[channel])
        ax.fill_between(x, lo, hi, color=colour, alpha=0.18, label="simulated 90% band")
        ax.plot(x, mid, color=colour, lw=1, ls="--", label="simulated median")
        ax.plot(x, obs.to_numpy(), color=colour, lw=1.8, marker=".", label="observed")
        if fit_months < months:
            ax.axvspan(fit_months - 0.5, months - 0.5, color="#f4e4c1", alpha=0.5, lw=0,
                       label="held out")
        ax.set_title("total" if channel is None else channel, loc="left", fontsize=10)
        ax.yaxis.set_major_formatter(MONEY)
        ax.grid(alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    ticks = x[:: max(1, months // 6)]
    for ax in axes:
        ax.set_xticks(ticks, [hist.months[i] for i in ticks], fontsize=8)
    axes[0].legend(loc="upper left", fontsize=7, frameon=False)
    title = "Observed monthly revenue against the calibrated model's 90% band"
    if len(held):
        title += f": {held['inside_band'].mean():.0%} of held-out months inside"
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold", wrap=True)
    return fig
