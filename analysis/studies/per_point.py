"""Each point of a study's design, summarised: the strategy's means and the paired changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.comparison.stats import shrinks
from analysis.comparison.windows import pct_change
from sim.experiments.outcomes import OUTCOMES, WINDOWED


def per_point(runs: pd.DataFrame, strategy: str, base: str | None = None,
              base_point: int | None = None) -> pd.DataFrame:
    """Each point's outcomes: the strategy's means, and against ``base`` the paired changes.

    Against a base, ``turnover_change_pct`` and ``margin_change_pct`` are the changes of
    the replication means in percent of the base's, and ``p_shrink`` is the share of
    replications in which the strategy's turnover is below the base's (paired by
    replication, :func:`analysis.comparison.stats.shrinks`). The base is taken at the same
    point, or at ``base_point`` for all. Runs that kept the headline window
    (:data:`sim.experiments.outcomes.WINDOWED`) also give ``turnover_after_change_pct``
    and ``margin_after_change_pct``, each with its paired 95% interval (``_low``,
    ``_high``), computed as ``compare`` computes its headline.
    """
    cols = [c for c in (*OUTCOMES, *WINDOWED) if c in runs]
    s = runs[runs["scenario"] == strategy].set_index(["point", "rep"])[cols]
    out = s.groupby(level="point").mean()
    if base is None:
        return out
    b = runs[runs["scenario"] == base]
    if base_point is not None:
        one = b[b["point"] == base_point].set_index("rep")[cols]
        b = pd.concat({p: one for p in out.index}, names=["point"])
    else:
        b = b.set_index(["point", "rep"])[cols]
    bm = b.groupby(level="point").mean()
    for k in ("turnover", "margin"):
        out[f"{k}_change_pct"] = 100.0 * (out[k] - bm[k]) / bm[k].abs()
    for k in WINDOWED:
        if k in cols:
            _windowed(out, k, s[k], b[k].reindex(s.index))
    diff = s["turnover"] - b["turnover"].reindex(s.index)
    shrink = pd.Series(shrinks(diff.to_numpy()).astype(float), index=s.index)
    out["p_shrink"] = shrink.groupby(level="point").mean()
    out["change_conflicts_per_100_deals"] = (out["conflicts_per_100_deals"]
                                             - bm["conflicts_per_100_deals"])
    return out.replace([np.inf, -np.inf], np.nan)


def _windowed(out: pd.DataFrame, k: str, s: pd.Series, b: pd.Series) -> None:
    """Add each point's paired change of ``k`` in percent, with its interval (as compare)."""
    rows = {p: pct_change(s.loc[p].to_numpy(), b.loc[p].to_numpy())
            for p in out.index}
    out[f"{k}_change_pct"] = [rows[p].estimate for p in out.index]
    out[f"{k}_change_pct_low"] = [rows[p].low for p in out.index]
    out[f"{k}_change_pct_high"] = [rows[p].high for p in out.index]
