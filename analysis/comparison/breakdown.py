"""The change by channel, region and segment, paired by future, and the material losses.

Turnover is booked by channel and region as ``docs/model.md`` (accounting) says: a direct,
partner or marketplace sale in the customer's region in the week the deal is won; a
distributor's purchase (replenishment or buy-to-order) in the distributor's home region in
the week it orders; rebates and bonuses as negative turnover in the earning agent's channel
and home region. Distributors' sell-in has no customer segment, so segments are compared on
what has one: sell-through, deals won and unserved deals (no brand bidder).

Every row is a paired change over ``[first_effect_week, horizon]``: per future the
strategy's window sum less the baseline's, its mean with a t interval, and the same in
percent of the baseline's mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.comparison.stats import paired_t
from sim.vocab import TURNOVER_CHANNELS

MATERIAL_SHARE = 0.2  # a part losing more than this share of its baseline is named
BOOKED = {
    "channel": "turnover in its channel column: direct, partner and marketplace sales when "
               "won, distributors' purchases when ordered, less rebates and bonuses",
    "region": "direct, partner and marketplace sales in the customer's region; distributors' "
              "purchases, rebates and bonuses in the agent's home region",
    "segment": "end-customer sales (sell-through), deals won and unserved deals of the "
               "customers in the segment (distributors' sell-in has no segment)",
}
# measures a loss is judged on (a fall in them is a loss); deals_unserved rises instead
LOSS_MEASURES = ("turnover", "sell_through", "deals_won")
COLUMNS = ["by", "name", "measure", "baseline", "change", "low", "high", "pct", "pct_low",
           "pct_high"]


def paired_rows(base: pd.DataFrame, strat: pd.DataFrame, by: str, measure: str) -> list[dict]:
    """One row per column of two ``rep x name`` tables of window sums, paired by ``rep``.

    Columns that are zero in both arms (a channel not in use) are left out.

    ``change`` is the mean over futures of ``strat − base`` with its t interval; ``pct`` the
    same in percent of the baseline's mean (NaN where that mean is 0).
    """
    names = base.columns.union(strat.columns)
    reps = base.index.intersection(strat.index)
    b = base.reindex(index=reps, columns=names, fill_value=0.0)
    s = strat.reindex(index=reps, columns=names, fill_value=0.0)
    rows = []
    for n in names:
        if not (b[n].any() or s[n].any()):
            continue                      # nothing in either arm (a channel not in use)
        t = paired_t((s[n] - b[n]).to_numpy())
        mean = float(b[n].mean())
        scale = 100.0 / mean if mean else float("nan")
        rows.append({"by": by, "name": str(n), "measure": measure, "baseline": mean,
                     "change": t.estimate, "low": t.low, "high": t.high,
                     "pct": t.estimate * scale, "pct_low": t.low * scale,
                     "pct_high": t.high * scale})
    return rows


def _sums(frame: pd.DataFrame, scenario: str, first: int, key: str, value: str,
          where=None) -> pd.DataFrame:
    part = frame[(frame["scenario"] == scenario) & (frame["week"] >= first)]
    if where is not None:
        part = part[where(part)]
    return part.pivot_table(index="rep", columns=key, values=value, aggfunc="sum",
                            fill_value=0.0)


def _channels(kpis: pd.DataFrame, scenario: str, first: int) -> pd.DataFrame:
    part = kpis[(kpis["scenario"] == scenario) & (kpis["week"] >= first)]
    cols = {f"turnover_{c}": c for c in TURNOVER_CHANNELS if f"turnover_{c}" in part}
    return part.groupby("rep")[list(cols)].sum().rename(columns=cols)


def breakdown(kpis: pd.DataFrame, by_region: pd.DataFrame | None, deals: pd.DataFrame | None,
              baseline: str, name: str, first_effect: int) -> pd.DataFrame:
    """Paired changes by channel (turnover), region (turnover) and segment (deals).

    Args:
        kpis: both arms' KPI tables (``scenario, rep, week, turnover_<channel>``).
        by_region: both arms' by-region tables (``turnover`` by region), or None.
        deals: both arms' deals tables (``segment, sell_through, channel, bids``), or None.
        baseline: the baseline arm's scenario name.
        name: the strategy arm's.
        first_effect: the window's first week.

    Returns:
        Rows of ``COLUMNS``: ``by`` is ``channel``, ``region`` or ``segment``; ``measure``
        ``turnover``, ``sell_through``, ``deals_won`` or ``deals_unserved``.

    """
    rows = paired_rows(_channels(kpis, baseline, first_effect),
                       _channels(kpis, name, first_effect), "channel", "turnover")
    if by_region is not None:
        rows += paired_rows(*(_sums(by_region, n, first_effect, "region", "turnover")
                              for n in (baseline, name)), "region", "turnover")
    if deals is not None:
        d = deals.assign(deals_won=deals["channel"].ne("").astype(float),
                         deals_unserved=deals["bids"].eq(0).astype(float))
        for measure in ("sell_through", "deals_won", "deals_unserved"):
            rows += paired_rows(*(_sums(d, n, first_effect, "segment", measure)
                                  for n in (baseline, name)), "segment", measure)
    return pd.DataFrame(rows, columns=COLUMNS)


def material_losses(table: pd.DataFrame, share: float = MATERIAL_SHARE) -> pd.DataFrame:
    """The rows of a breakdown losing more than ``share`` of their baseline, worst first.

    A loss is a fall of ``turnover``, ``sell_through`` or ``deals_won`` with
    ``pct < −100 × share`` and a positive baseline.
    """
    if table.empty:
        return table
    t = table[table["measure"].isin(LOSS_MEASURES) & (table["baseline"] > 0)]
    t = t[np.asarray(t["pct"] < -100.0 * share)]
    return t.sort_values("pct").reset_index(drop=True)
