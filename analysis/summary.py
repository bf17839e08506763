"""Short summaries of a run's weekly KPIs."""

from __future__ import annotations

import pandas as pd

CHANNEL_COLUMNS = ("turnover_direct", "turnover_distributor", "turnover_partner",
                   "turnover_marketplace")


def yearly_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    """Turnover by channel, conflicts and agents per year of 52 weeks (the last may be short).

    Returns:
        One row per year: ``year, weeks``, turnover per channel and in total, ``sell_through``,
        ``margin``, ``conflicts`` (count), ``conflicts_per_100_deals``, ``price_dumping`` and
        ``agents_active`` / ``agents_contracted`` at the year's last week.

    """
    k = kpis.copy()
    k["year"] = (k["week"] - 1) // 52 + 1
    g = k.groupby("year")
    out = g[[*CHANNEL_COLUMNS, "turnover", "sell_through", "margin", "conflicts",
             "price_dumping", "deals_created"]].sum()
    out.insert(0, "weeks", g.size())
    out["conflicts_per_100_deals"] = 100.0 * out["conflicts"] / out["deals_created"].where(
        out["deals_created"] > 0)
    last = g.tail(1).set_index("year")
    out["agents_active"] = last["agents_active"]
    out["agents_contracted"] = last["agents_contracted"]
    return out.drop(columns="deals_created").reset_index()
