"""The deals of a run, and the offers made on a batch of them.

Customers raise deals (``sim.agents.customers``); a project deal waits through its
specification phase and tender, so the book keeps a calendar of decision weeks. Every deal
keeps its row for the whole run; its status, winner, specification and registration are
columns of the book.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.vocab import SEGMENTS, TURNOVER_CHANNELS, DealStatus

_FIELDS = {
    "customer": np.int64, "region": np.int64, "segment": np.int64, "product": np.int64,
    "units": np.float64, "created": np.int64, "decide": np.int64, "key": np.uint64,
    "spec": np.int8, "spec_agent": np.int64, "registered": np.int64, "version": np.int8,
    "status": np.int8, "winner": np.int64,
    # set when a deal is settled: how many brand bids it drew, the channel column its
    # turnover is booked in (``BOOKED_UNWON`` if the brand did not win), the value booked
    # for it and what the customer paid (``sim.market.settle``)
    "bids": np.int64, "channel": np.int8, "value": np.float64, "paid": np.float64,
}
BOOKED_UNWON = -1


class DealBook:
    """Every deal of the run in growable column arrays (one row per deal)."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self.cols = {k: np.zeros(capacity, dtype=t) for k, t in _FIELDS.items()}
        self._calendar: dict[int, list[np.ndarray]] = defaultdict(list)
        self._views()

    def _views(self) -> None:
        """Each column's first ``n`` rows as a plain attribute (a view: writes reach the book).

        Renewed whenever ``n`` or the arrays change, so reading ``book.segment`` costs an
        attribute lookup, not a call to ``__getattr__`` and a new slice.
        """
        self.__dict__.update({k: arr[: self.n] for k, arr in self.cols.items()})

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    def __getstate__(self) -> dict:
        # the views are not pickled (they would come back as copies); rebuilt on load
        return {k: v for k, v in self.__dict__.items() if k not in self.cols}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._views()

    def append(self, **values: np.ndarray) -> np.ndarray:
        """Add deals; return their row indices."""
        m = len(values["customer"])
        need = self.n + m
        cap = len(self.cols["customer"])
        if need > cap:
            new = max(need, 2 * cap)
            for k, arr in self.cols.items():
                grown = np.zeros(new, dtype=arr.dtype)
                grown[: self.n] = arr[: self.n]
                self.cols[k] = grown
        rows = np.arange(self.n, need)
        # the columns not given stay 0: rows past ``n`` are never written (and grown ones
        # start as zeros), so only the given ones are filled
        for k, v in values.items():
            self.cols[k][self.n:need] = v
        self.n = need
        self._views()
        # Rows grouped by decision week, each group in row order (a stable sort): one
        # sort instead of a mask per week.
        # The groups are slices of the sorted rows, cut where the (sorted) week changes.
        if m:
            decide = np.asarray(values["decide"])
            order = np.argsort(decide, kind="stable")
            weeks = decide[order]
            cuts = (weeks[1:] != weeks[:-1]).nonzero()[0] + 1
            starts = [0, *cuts.tolist()]
            ends = [*starts[1:], m]
            by_week = rows[order]
            calendar = self._calendar
            for week, a, b in zip(weeks[starts].tolist(), starts, ends, strict=True):
                calendar[week].append(by_week[a:b])
        return rows

    def due(self, week: int) -> np.ndarray:
        """Rows of the deals decided in ``week`` (removed from the calendar)."""
        parts = self._calendar.pop(week, [])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def open_rows(self) -> np.ndarray:
        """Rows of deals not decided yet.

        A decided deal never reopens, so the rows before the oldest open one found last
        time are not looked at again.
        """
        lo = self.__dict__.get("_oldest_open", 0)
        rows = (self.status[lo:] == DealStatus.OPEN).nonzero()[0]
        if lo:
            rows += lo
        self._oldest_open = int(rows[0]) if len(rows) else self.n
        return rows

    def drop_agent(self, agent: int, to_competitor: bool) -> None:
        """An agent leaves: its open specifications and registrations lapse.

        A defecting agent takes its specifications to the competitor (the project is now
        specified for the competitor's brand); a removed one leaves them unspecified.
        """
        open_rows = self.open_rows()
        mine = open_rows[self.spec_agent[open_rows] == agent]
        if to_competitor:
            self.spec[mine] = -1
        self.spec_agent[mine] = -1
        registered = open_rows[self.registered[open_rows] == agent]
        self.registered[registered] = -1

    def table(self, weeks: int, region_names: list[str]) -> pd.DataFrame:
        """The deals decided in weeks ``1 .. weeks``, one row each (the ``deals`` table).

        Columns: ``deal`` (its key: the same deal in every arm of a comparison), ``week``
        decided, the customer's ``region`` and ``segment``, ``bids`` (brand bids; 0: no
        brand channel could serve it), ``channel`` (the turnover column its value is booked
        in; empty where the competitor won), ``value`` (money: the turnover the deal
        carries, a distributor's sale at the distributor's purchase price) and
        ``sell_through`` (money: what the customer paid the brand; 0 where lost).
        """
        done = (self.status != DealStatus.OPEN) & (self.decide >= 1) & (self.decide <= weeks)
        rows = np.flatnonzero(done)
        channels = np.array([*TURNOVER_CHANNELS, ""], dtype=object)
        return pd.DataFrame({
            "deal": self.key[rows], "week": self.decide[rows],
            "region": np.asarray(region_names, dtype=object)[self.region[rows]],
            "segment": np.asarray(SEGMENTS, dtype=object)[self.segment[rows]],
            "bids": self.bids[rows], "channel": channels[self.channel[rows]],
            "value": self.value[rows], "sell_through": self.paid[rows],
        })


@dataclass
class Offers:
    """Offers on a batch of ``D`` deals: the ``N`` bids as (deal, agent) pairs.

    Attributes:
        rows: the deals' rows in the deal book.
        d, a: deal position and agent of each bid (``N``), ordered by deal.
        price, cost: quoted unit price and the bidder's unit cost, per bid (money).
        dumping: per bid, quoted below the recommended minimum.
        delivery: weeks to delivery each bidder can promise.
        expertise: the bidder's expertise in [0, 1].
        z: utility plus scaled noise of each bid (set by the customer's choice).
        winner: agent index per deal, or ``A`` for the competitor (set by the choice).
        won_bid: index into the bids of each deal's winning bid, -1 if the competitor won.
        support: utility added to each bid by a rep's co-selling support (None: none).

    """

    rows: np.ndarray
    d: np.ndarray
    a: np.ndarray
    price: np.ndarray
    cost: np.ndarray
    dumping: np.ndarray
    delivery: np.ndarray
    expertise: np.ndarray
    z: np.ndarray | None = None
    winner: np.ndarray | None = None
    won_bid: np.ndarray | None = None
    support: np.ndarray | None = None

    def bids_per_deal(self) -> np.ndarray:
        """Number of brand bids on each deal."""
        return np.bincount(self.d, minlength=len(self.rows))
