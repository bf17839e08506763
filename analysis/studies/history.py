"""A client's sales history: the CSV format, its checks, and histories made from runs.

Format (one row per period and channel, or per period and partner; CSV with commas,
semicolons or tabs and either decimal mark, or an .xlsx workbook)::

    period,channel,region,segment,partner_id,revenue,deals
    2023-01,direct,,,,41250.0,12
    2023-01,distributor,,,D01,18800.5,
    2023-W05,partner,north,project,P-inte-01,5200,1

``period`` is an ISO month (``2024-03``) or an ISO week (``2024-W09``, counted in the month
of its Thursday, each month's weekly revenue scaled to 52/12 weeks), the same kind in every
row; ``channel`` is one of direct, distributor,
partner, marketplace; ``revenue`` is the manufacturer's revenue (net, >= 0) in the
scenario's currency. ``region``, ``segment``, ``partner_id`` and ``deals`` are optional;
where ``partner_id`` is given, the concentration of partner revenue is fitted too. Every
month from the first to the last needs at least one row (a month without sales: a row
with revenue 0).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.tabular import TableError, read_table
from sim.vocab import TURNOVER_CHANNELS as CHANNELS
from sim.vocab import WEEKS_PER_MONTH

REQUIRED = ("period", "channel", "revenue")
OPTIONAL = ("region", "segment", "partner_id", "deals")
MIN_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class HistoryError(UserError, ValueError):
    """The history file cannot be used; the message is one line naming the file."""


@dataclass
class History:
    """A history by month.

    Attributes:
        months: month labels (``YYYY-MM``), first to last.
        channels: monthly revenue, one column per channel present in the file.
        by_partner: monthly revenue per partner, one column per partner (None without
            ``partner_id``).

    """

    months: list[str]
    channels: pd.DataFrame
    by_partner: pd.DataFrame | None = None

    @property
    def partners(self) -> np.ndarray | None:
        """Total revenue per partner over the period (None without ``partner_id``)."""
        return None if self.by_partner is None else self.by_partner.sum(axis=0).to_numpy()

    def head(self, n: int) -> History:
        """The first ``n`` months (the partners' concentration counted on them alone)."""
        part = None if self.by_partner is None else self.by_partner.iloc[:n]
        return History(self.months[:n], self.channels.iloc[:n].reset_index(drop=True), part)


def _month(text: str) -> tuple[int, int] | None:
    m = _MONTH.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    w = _WEEK.match(text)
    if w:
        try:
            thursday = dt.date.fromisocalendar(int(w.group(1)), int(w.group(2)), 4)
        except ValueError:
            return None
        return thursday.year, thursday.month
    return None


def read_history(path: str | Path) -> History:
    """Read and check a history table (CSV in any common dialect, or .xlsx).

    Raises:
        HistoryError: one line saying what is wrong and where.

    """
    path = Path(path)
    name = str(path)
    try:
        table = read_table(path, required=REQUIRED, optional=OPTIONAL, what="history")
        channel = pd.Series(np.char.lower(table.text("channel")))
        bad = ~channel.isin(CHANNELS)
        if bad.any():
            i = int(bad.idxmax())
            raise HistoryError(f"{name}: row {table.row(i)}, column channel: unknown channel "
                               f"'{channel[i]}' (one of {', '.join(CHANNELS)})")
        revenue = pd.Series(table.number("revenue", minimum=0.0))
        periods = pd.Series(table.text("period"))
    except TableError as exc:
        raise HistoryError(str(exc)) from None
    df = table.frame

    def row(i) -> str:
        return f"{name}: row {table.row(int(i))}"

    months = periods.map(_month)
    if months.isna().any():
        i = months.isna().idxmax()
        raise HistoryError(f"{row(i)}, column period: '{periods[i]}' is neither an ISO month "
                           "(2024-03) nor an ISO week (2024-W09)")
    kinds = periods.str.contains("W").unique()
    if len(kinds) > 1:
        raise HistoryError(f"{name}: periods mix months and weeks; use one kind")
    index = months.map(lambda ym: ym[0] * 12 + ym[1] - 1)
    first, last = int(index.min()), int(index.max())
    n = last - first + 1
    labels = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
    absent = sorted(set(range(first, last + 1)) - set(index))
    if absent:
        raise HistoryError(f"{name}: no rows for {labels[absent[0] - first]} (a month without "
                           "sales needs a row with revenue 0)")
    if n < MIN_MONTHS:
        raise HistoryError(f"{name}: {n} months of history; the moments need at least "
                           f"{MIN_MONTHS}")
    if kinds[0]:
        # ISO weeks fall 4 or 5 to a month; the model's months are 52/12 weeks long. Each
        # month is scaled to 52/12 weeks so that the calendar adds no 4-4-5 pattern.
        weeks = periods.groupby(index).nunique()
        revenue = revenue * WEEKS_PER_MONTH / index.map(weeks)
    frame = pd.DataFrame({"month": index - first, "channel": channel, "revenue": revenue})
    channels = frame.pivot_table(index="month", columns="channel", values="revenue",
                                 aggfunc="sum", fill_value=0.0).reindex(range(n), fill_value=0.0)
    channels = channels[[c for c in CHANNELS if c in channels.columns]].reset_index(drop=True)
    partners = None
    if "partner_id" in df.columns and (df["partner_id"] != "").any():
        given = (df["partner_id"] != "").to_numpy()
        partners = (pd.DataFrame({"month": (index - first)[given].to_numpy(),
                                  "partner": df["partner_id"][given].to_numpy(),
                                  "revenue": revenue[given].to_numpy()})
                    .pivot_table(index="month", columns="partner", values="revenue",
                                 aggfunc="sum", fill_value=0.0)
                    .reindex(range(n), fill_value=0.0).reset_index(drop=True))
    return History(labels, channels.astype(float), partners)


def history_table(model, months: int, start: str = "2023-01") -> pd.DataFrame:
    """A run as a client's history CSV table (for examples and tests).

    Direct and marketplace revenue get one row per month; distributor and partner revenue
    one row per month and reseller (``partner_id``), each reseller's net revenue being its
    purchases scaled so that the channel's rows add up to the channel's turnover.
    """
    from sim.experiments.history import month_weights, monthly_channels

    y, m = (int(x) for x in start.split("-"))
    labels = [f"{y + (m - 1 + i) // 12:04d}-{(m - 1 + i) % 12 + 1:02d}" for i in range(months)]
    kpis = model.kpis()
    weights = month_weights(len(kpis), months)
    agents = model.tables()["agents"]
    totals = monthly_channels(kpis, months)
    rows = []
    for channel in CHANNELS:
        total = totals[channel]
        if channel in ("direct", "marketplace"):
            rows += [{"period": p, "channel": channel, "revenue": round(v, 2)}
                     for p, v in zip(labels, total, strict=True) if v > 0 or channel == "direct"]
            continue
        own = agents[agents["role"] == channel].pivot_table(
            index="week", columns="agent_id", values="purchases", aggfunc="sum", fill_value=0.0)
        own = own.reindex(kpis["week"], fill_value=0.0)
        monthly = weights @ own.to_numpy()
        scale = np.divide(total, monthly.sum(axis=1), out=np.zeros(months),
                          where=monthly.sum(axis=1) > 0)
        monthly = monthly * scale[:, None]
        for i, p in enumerate(labels):
            for j, agent in enumerate(own.columns):
                if monthly[i, j] > 0:
                    rows.append({"period": p, "channel": channel, "partner_id": agent,
                                 "revenue": round(float(monthly[i, j]), 2)})
    cols = ["period", "channel", "partner_id", "revenue"]
    return pd.DataFrame(rows).reindex(columns=cols).sort_values(["period", "channel"],
                                                                 kind="stable")
