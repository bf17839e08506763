"""Short summaries of a run's weekly KPIs."""

from __future__ import annotations

import pandas as pd

from sim.experiments.outcomes import per_100_deals
from sim.vocab import TURNOVER_CHANNELS, WEEKS_PER_YEAR

CHANNEL_COLUMNS = tuple(f"turnover_{c}" for c in TURNOVER_CHANNELS)


def yearly_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    """Turnover by channel, conflicts and agents per year (52 weeks; the last may be short).

    Returns:
        One row per year: ``year, weeks``, turnover per channel and in total, ``sell_through``,
        ``margin``, ``conflicts`` (count), ``conflicts_per_100_deals``, ``price_dumping`` and
        ``agents_active`` / ``agents_contracted`` at the year's last week.

    """
    k = kpis.copy()
    k["year"] = (k["week"] - 1) // WEEKS_PER_YEAR + 1
    g = k.groupby("year")
    out = g[[*CHANNEL_COLUMNS, "turnover", "sell_through", "margin", "conflicts",
             "price_dumping", "deals_created"]].sum()
    out.insert(0, "weeks", g.size())
    out["conflicts_per_100_deals"] = per_100_deals(out["conflicts"], out["deals_created"])
    last = g.tail(1).set_index("year")
    out["agents_active"] = last["agents_active"]
    out["agents_contracted"] = last["agents_contracted"]
    return out.drop(columns="deals_created").reset_index()
