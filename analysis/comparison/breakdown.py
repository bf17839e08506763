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
              baseline: str, name: str, first_effect: int,
              segments: dict[tuple[str, str], pd.DataFrame] | None = None) -> pd.DataFrame:
    """Paired changes by channel (turnover), region (turnover) and segment (deals).

    Args:
        kpis: both arms' KPI tables (``scenario, rep, week, turnover_<channel>``).
        by_region: both arms' by-region tables (``turnover`` by region), or None.
        deals: both arms' deals tables (``segment, sell_through, channel, bids``), or None.
        baseline: the baseline arm's scenario name.
        name: the strategy arm's.
        first_effect: the window's first week.
        segments: :func:`segment_sums` of the deals, made beforehand (then ``deals`` is
            not read).

    Returns:
        Rows of ``COLUMNS``: ``by`` is ``channel``, ``region`` or ``segment``; ``measure``
        ``turnover``, ``sell_through``, ``deals_won`` or ``deals_unserved``.

    """
    rows = paired_rows(_channels(kpis, baseline, first_effect),
                       _channels(kpis, name, first_effect), "channel", "turnover")
    if by_region is not None:
        rows += paired_rows(*(_sums(by_region, n, first_effect, "region", "turnover")
                              for n in (baseline, name)), "region", "turnover")
    if segments is None and deals is not None:
        segments = segment_sums(deals, baseline, name, first_effect)
    if segments is not None:
        for measure in SEGMENT_MEASURES:
            rows += paired_rows(*(segments[arm, measure] for arm in (baseline, name)),
                                "segment", measure)
    return pd.DataFrame(rows, columns=COLUMNS)


SEGMENT_MEASURES = ("sell_through", "deals_won", "deals_unserved")


def segment_sums(deals: pd.DataFrame, baseline: str, name: str,
                 first: int) -> dict[tuple[str, str], pd.DataFrame]:
    """Per arm and measure of ``SEGMENT_MEASURES``: a ``rep x segment`` table of window sums.

    Sums over one future's deals, so tables of a deals table cut by futures can be put
    together (:func:`join_segment_sums`).
    """
    d = deals.assign(deals_won=deals["channel"].ne("").astype(float),
                     deals_unserved=deals["bids"].eq(0).astype(float))
    return {(n, m): _sums(d, n, first, "segment", m) for n in (baseline, name)
            for m in SEGMENT_MEASURES}


def join_segment_sums(parts: list[dict[tuple[str, str], pd.DataFrame]]
                      ) -> dict[tuple[str, str], pd.DataFrame]:
    """:func:`segment_sums` of consecutive groups of futures as those of all of them."""
    out = {}
    for key in parts[0]:
        whole = pd.concat([p[key] for p in parts]).fillna(0.0)
        out[key] = whole[sorted(whole.columns)]
    return out


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
