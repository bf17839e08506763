"""The calibrated forecast and its check on held-out months.

The band is the calibrated scenario's forecast: replications each drawing the fitted
settings from the fit's joint normal (levers included, which ``compare`` holds fixed) and
the file's other uncertainties, so the band holds the fit's uncertainty as well as the
market's luck.

The holdout check counts, per channel and in total, the held-out months whose observed
revenue falls inside the band's 5%-95%. Months are correlated (a future that starts high
stays high), so a share well below 90% can happen by luck; beside it stands the coverage a
history from a truth-like market gets on the same window: runs at the fitted values on
seeds apart from the fit's, each read as if it were the client's history. A shortfall
against that reference is the fit's, not the check's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _series(runs: list[dict], channels: list[str], months: int) -> dict[str, np.ndarray]:
    """Per panel (total and each channel): simulated monthly revenue, (runs, months)."""
    frames = [pd.DataFrame(r["channels"])[channels].iloc[:months] for r in runs]
    out = {"total": np.array([f.sum(axis=1).to_numpy() for f in frames])}
    out.update({c: np.array([f[c].to_numpy() for f in frames]) for c in channels})
    return out


def _inside(obs: np.ndarray, band: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(band, [5, 95], axis=0)
    return (obs >= lo) & (obs <= hi)


def holdout_coverage(hist, band_runs: list[dict], reference_runs: list[dict],
                     fit_months: int) -> pd.DataFrame:
    """Per panel: held-out months inside the 90% band, observed and for a truth-like history.

    Args:
        hist: the client's history.
        band_runs: runs of the calibrated scenario (uncertainties drawn).
        reference_runs: runs at the fitted values on other seeds (truth-like histories).
        fit_months: months fitted (the rest are held out).

    """
    months = len(hist.months)
    channels = list(hist.channels.columns)
    band = _series(band_runs, channels, months)
    refs = _series(reference_runs, channels, months)
    held = slice(fit_months, months)
    observed = {"total": hist.channels.sum(axis=1).to_numpy(),
                **{c: hist.channels[c].to_numpy() for c in channels}}
    rows = []
    for panel, sims in band.items():
        obs_in = _inside(observed[panel], sims)[held]
        ref_in = np.array([_inside(r, sims)[held].mean() for r in refs[panel]])
        rows.append({"panel": panel, "months": months - fit_months,
                     "observed_inside": float(obs_in.mean()),
                     "reference_inside": float(ref_in.mean()),
                     "reference_p10": float(np.percentile(ref_in, 10)),
                     "reference_runs": len(ref_in)})
    return pd.DataFrame(rows)


def holdout_sentence(table: pd.DataFrame) -> str:
    """The holdout check in words."""
    total = table.iloc[0]
    channels = "; ".join(f"{r.panel} {r.observed_inside:.0%} (reference {r.reference_inside:.0%})"
                         for r in table.iloc[1:].itertuples())
    low = [r.panel for r in table.itertuples() if r.observed_inside < r.reference_p10]
    verdict = (f" Below what 9 in 10 truth-like histories get: {', '.join(low)}; the forecast "
               "misses there." if low else " Every panel is within what truth-like histories "
               "get.")
    return (f"Out of sample ({int(total.months)} months held out): the calibrated scenario's "
            f"90% band (fitted settings drawn from their fitted distribution, and luck) holds "
            f"the observed total in {total.observed_inside:.0%} of months, where a history "
            f"from a truth-like market gets {total.reference_inside:.0%} "
            f"({int(total.reference_runs)} simulated histories at the fitted values); by "
            f"channel: {channels}.{verdict}")
