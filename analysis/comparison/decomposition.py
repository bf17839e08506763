"""Where a change in turnover comes from: deal by deal, paired across the arms (#23).

Both arms of a comparison see the same deals (common random numbers: the ``deals`` table's
``deal`` key is the same deal in every arm). Each arm's turnover in a window is

    turnover = Σ deal value + channel stock − rebates and bonuses

where a deal's value is the turnover it carries (``sim.market.deals.DealBook.table``: a
direct sale at the customer's price, a marketplace sale less the fee, a partner's or a
distributor's sale at their purchase price), channel stock is distributors' sell-in less
their sales at purchase prices (stock built, positive, or run down, negative) and rebates and
bonuses are what the channel earned (``rebates`` in the KPI table). So the paired change
splits exactly into

- ``no_brand_bidder``: deals the brand won in the baseline and no brand channel bid for
  under the strategy (the baseline's value lost);
- ``lost_to_competitor``: deals the brand won in the baseline and lost to the competitor
  under the strategy although it bid;
- ``different_price``: deals won in both arms, at another price or through another channel
  (the strategy's value less the baseline's);
- ``newly_won``: deals the brand won only under the strategy (their value);
- ``channel_stock``: the change in distributors' sell-in less their sales;
- ``rebates``: minus the change in rebates and bonuses.

All money in the scenario's currency, summed over ``[first_effect_week, horizon]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.comparison.stats import Interval, paired_t

DEAL_PARTS = ("no_brand_bidder", "lost_to_competitor", "different_price", "newly_won")
PARTS = (*DEAL_PARTS, "channel_stock", "rebates")
PART_LABELS = {
    "no_brand_bidder": "deals no brand channel bid for",
    "lost_to_competitor": "deals lost to the competitor",
    "different_price": "deals won at another price or through another channel",
    "newly_won": "deals newly won",
    "channel_stock": "distributors' stock (sell-in less their sales)",
    "rebates": "rebates and bonuses",
}

SHORT_LABELS = {
    "no_brand_bidder": "no brand bidder", "lost_to_competitor": "lost to competitor",
    "different_price": "other price or channel", "newly_won": "newly won",
    "channel_stock": "channel stock", "rebates": "rebates and bonuses",
}

@dataclass
class Decomposition:
    """The change in turnover of one strategy, split into parts that add up to it.

    Attributes:
        first_effect_week: the window's first week (to the horizon).
        total: Δ turnover over the window (money, paired t interval).
        parts: each part of ``PARTS`` (money, paired t interval); their estimates add up
            to ``total.estimate``.
        per_rep: per future (``rep``), each part and ``total``.
        breakdown: by channel, region and segment (:mod:`analysis.comparison.breakdown`).
        last_week: the window's last week (None: the horizon).

    """

    first_effect_week: int
    total: Interval
    parts: dict[str, Interval]
    per_rep: pd.DataFrame
    breakdown: pd.DataFrame
    last_week: int | None = None

    def gap(self) -> float:
        """Largest difference between a future's parts summed and its Δ turnover (money)."""
        p = self.per_rep
        return float(np.abs(p[list(PARTS)].sum(axis=1) - p["total"]).max()) if len(p) else 0.0


def _arm(frame: pd.DataFrame, name: str, first: int, last: int | None = None) -> pd.DataFrame:
    keep = (frame["scenario"] == name) & (frame["week"] >= first)
    if last is not None:
        keep &= frame["week"] <= last
    return frame[keep]


def deal_parts(base: pd.DataFrame, strat: pd.DataFrame) -> pd.DataFrame:
    """Each future's deal parts from the two arms' deals (``rep, deal, bids, channel, value``).

    Deals are paired on ``(rep, deal)``; a deal missing from one arm counts there as not won
    and unserved. Returns one row per ``rep`` with the columns of ``DEAL_PARTS`` (money).
    """
    cols = ["rep", "deal", "bids", "channel", "value"]
    m = base[cols].merge(strat[cols], on=["rep", "deal"], how="outer", suffixes=("_b", "_s"))
    won_b = m["channel_b"].fillna("").ne("").to_numpy()
    won_s = m["channel_s"].fillna("").ne("").to_numpy()
    vb, vs = m["value_b"].fillna(0.0).to_numpy(), m["value_s"].fillna(0.0).to_numpy()
    bid_s = m["bids_s"].fillna(0).to_numpy() > 0
    lost = won_b & ~won_s
    parts = pd.DataFrame({
        "rep": m["rep"].to_numpy(),
        "no_brand_bidder": np.where(lost & ~bid_s, -vb, 0.0),
        "lost_to_competitor": np.where(lost & bid_s, -vb, 0.0),
        "different_price": np.where(won_b & won_s, vs - vb, 0.0),
        "newly_won": np.where(~won_b & won_s, vs, 0.0),
    })
    return parts.groupby("rep")[list(DEAL_PARTS)].sum()


def deal_sums(deals: pd.DataFrame, baseline: str, name: str, first: int,
              last: int | None = None) -> pd.DataFrame:
    """Per future (index ``rep``) in ``[first, last]``: each arm's deal value and the parts.

    Columns ``value_base``, ``value_strategy`` and ``DEAL_PARTS`` (money). Every figure is a
    sum over one future's deals, so the sums of a table cut by futures, put together, are
    those of the whole table (``analysis.comparison.paired`` reads the deals a block of
    futures at a time).
    """
    base, strat = _arm(deals, baseline, first, last), _arm(deals, name, first, last)
    values = [base.groupby("rep")["value"].sum().rename("value_base"),
              strat.groupby("rep")["value"].sum().rename("value_strategy")]
    return pd.concat([deal_parts(base, strat), *values], axis=1).sort_index()


def _books(kpis: pd.DataFrame, value: pd.Series, name: str, first: int,
           last: int | None = None) -> pd.DataFrame:
    """Per future of one arm: ``turnover``, ``rebates`` and ``channel_stock`` in the window.

    ``channel_stock = turnover + rebates − Σ deal value``: what turnover holds beyond the
    deals' values and the rebates is distributors' sell-in less their sales at purchase
    prices (``tests/test_decomposition.py`` checks it against their purchases).
    """
    k = _arm(kpis, name, first, last).groupby("rep")[["turnover", "rebates"]].sum()
    k["channel_stock"] = (k["turnover"] + k["rebates"]
                          - value.dropna().reindex(k.index, fill_value=0.0))
    return k


def decompose(kpis: pd.DataFrame, deals: pd.DataFrame | None, baseline: str, name: str,
              first_effect: int, breakdown: pd.DataFrame | None = None,
              last: int | None = None, sums: pd.DataFrame | None = None) -> Decomposition:
    """Split one strategy's Δ turnover over ``[first_effect, last]`` into ``PARTS``.

    Args:
        kpis: the KPI tables of both arms (``scenario, rep, week, turnover, rebates``).
        deals: the deals tables of both arms (``scenario, rep, week, deal, bids, channel,
            value``), or None with ``sums``.
        baseline: the baseline arm's scenario name.
        name: the strategy arm's.
        first_effect: the window's first week.
        breakdown: the by-channel, region and segment table to keep with it.
        last: the window's last week (default: the horizon).
        sums: :func:`deal_sums` of the deals over the same window, made beforehand.

    Returns:
        The parts per future and their paired means with t intervals; per future they add
        up to Δ turnover to float rounding (:meth:`Decomposition.gap`).

    """
    if sums is None:
        sums = deal_sums(deals, baseline, name, first_effect, last)
    bb = _books(kpis, sums["value_base"], baseline, first_effect, last)
    bs = _books(kpis, sums["value_strategy"], name, first_effect, last)
    reps = bb.index.intersection(bs.index)
    bb, bs = bb.loc[reps], bs.loc[reps]
    per = sums[list(DEAL_PARTS)].dropna().reindex(reps, fill_value=0.0)
    per["channel_stock"] = bs["channel_stock"] - bb["channel_stock"]
    per["rebates"] = -(bs["rebates"] - bb["rebates"])
    per["total"] = bs["turnover"] - bb["turnover"]
    per = per.rename_axis("rep").reset_index()
    return Decomposition(
        first_effect_week=first_effect,
        total=paired_t(per["total"].to_numpy()),
        parts={p: paired_t(per[p].to_numpy()) for p in PARTS},
        per_rep=per,
        breakdown=breakdown if breakdown is not None else pd.DataFrame(), last_week=last)


def decomposition_table(d: Decomposition) -> pd.DataFrame:
    """The parts as rows (``part, label, change, low, high, share_of_total``) and the total.

    ``share_of_total`` is the part's mean over the total's mean (NaN when the total is 0).
    """
    rows = []
    for p in (*PARTS, "total"):
        iv = d.total if p == "total" else d.parts[p]
        share = iv.estimate / d.total.estimate if d.total.estimate else float("nan")
        rows.append({"part": p, "label": PART_LABELS.get(p, "Δ turnover"),
                     "change": iv.estimate, "low": iv.low, "high": iv.high,
                     "share_of_total": share})
    return pd.DataFrame(rows)
