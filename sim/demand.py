"""Demand: customers' needs arrive as deals; project deals are decided weeks later.

Only the ``demand`` stream decides who needs what, how much and when, and the ``choice``
stream gives each deal its key, one per deal in creation order: so every arm of a
comparison sees exactly the same deals, whatever its policy.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.book import CustomerBook
from sim.scenario import Scenario
from sim.scenario.market import SEGMENTS

PROJECT = SEGMENTS.index("project")
OPEN, WON, LOST = 0, 1, 2

_FIELDS = {
    "customer": np.int64, "region": np.int64, "segment": np.int64, "product": np.int64,
    "units": np.float64, "created": np.int64, "decide": np.int64, "key": np.uint64,
    "spec": np.int8, "spec_agent": np.int64, "registered": np.int64, "version": np.int8,
    "status": np.int8, "winner": np.int64,
}


class DealBook:
    """Every deal of the run in growable column arrays (one row per deal)."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self.cols = {k: np.zeros(capacity, dtype=t) for k, t in _FIELDS.items()}
        self._calendar: dict[int, list[np.ndarray]] = defaultdict(list)

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

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
        for k, arr in self.cols.items():
            arr[rows] = values.get(k, 0)
        self.n = need
        for week in np.unique(values["decide"]):
            self._calendar[int(week)].append(rows[values["decide"] == week])
        return rows

    def due(self, week: int) -> np.ndarray:
        """Rows of the deals decided in ``week`` (removed from the calendar)."""
        parts = self._calendar.pop(week, [])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def open_rows(self) -> np.ndarray:
        """Rows of deals not decided yet."""
        return np.flatnonzero(self.status == OPEN)


class Demand:
    """Draws each week's deals from the scenario's demand parameters."""

    def __init__(self, sc: Scenario, customers: CustomerBook, demand_rng, choice_rng):
        m = sc.market
        self.customers = customers
        self.rng = demand_rng
        self.key_rng = choice_rng
        self.rate = np.array([m.deal_rate[s] for s in SEGMENTS])[customers.segment]
        self.growth = m.growth
        mix = np.array([[p.mix.get(s, 0.0) for p in sc.products] for s in SEGMENTS])
        self.mix_cdf = np.cumsum(mix, axis=1) / mix.sum(axis=1, keepdims=True)
        sizes = [m.deal_size[s] for s in SEGMENTS]
        self.sigma = np.array([d.units_sigma for d in sizes])
        self.mu = np.log([d.units_mean for d in sizes]) - 0.5 * self.sigma**2
        self.spec = (int(m.spec_weeks.low), int(m.spec_weeks.high))
        self.tender = (int(m.tender_weeks.low), int(m.tender_weeks.high))

    def arrive(self, book: DealBook, week: int) -> np.ndarray:
        """Create this week's deals; return their rows.

        Deals per customer ~ Poisson(rate of its segment x (1 + growth)^(week / 52)); the
        product line follows the segment's mix; units ~ lognormal with the segment's mean;
        a project deal is decided after a specification phase and a tender, each a whole
        number of weeks drawn uniformly from its range. Everything else, the same week.
        """
        lam = self.rate * (1.0 + self.growth) ** (week / 52.0)
        counts = self.rng.poisson(lam)
        cust = np.repeat(np.arange(self.customers.n), counts)
        m = len(cust)
        seg = self.customers.segment[cust]
        u = self.rng.random(m)
        product = (u[:, None] > self.mix_cdf[seg]).sum(axis=1)
        units = np.maximum(1.0, np.round(self.rng.lognormal(self.mu[seg], self.sigma[seg])))
        spec_w = self.rng.integers(self.spec[0], self.spec[1] + 1, size=m)
        tender_w = self.rng.integers(self.tender[0], self.tender[1] + 1, size=m)
        decide = np.where(seg == PROJECT, week + spec_w + tender_w, week)
        keys = self.key_rng.integers(0, 2**63, size=m, dtype=np.int64).astype(np.uint64)
        return book.append(
            customer=cust, region=self.customers.region[cust], segment=seg, product=product,
            units=units, created=np.full(m, week), decide=decide, key=keys,
            spec_agent=np.full(m, -1), registered=np.full(m, -1), winner=np.full(m, -1),
        )
