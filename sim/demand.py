"""Demand: customers' needs arrive as deals; project deals are decided weeks later.

Only the ``demand`` stream decides who needs what, how much and when: so every arm of a
comparison sees exactly the same deals, whatever its policy. Counts are Poisson by
inversion of one uniform per customer and week, and a deal's key and attributes are hashes
of (week, customer, deal number): a setting that raises the rates adds deals and leaves
the others as they were (see :mod:`sim.rng`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.special import ndtri

from sim.book import CustomerBook
from sim.rng import SALT_DEAL, deal_keys, hash_uniform, poisson_from_uniform
from sim.scenario import Scenario
from sim.scenario.market import SEGMENTS

PROJECT = SEGMENTS.index("project")
OPEN, WON, LOST = 0, 1, 2
# Per-deal uniforms, by column: product line, units, specification weeks, tender weeks.
_ATTRIBUTES = np.arange(4)

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
            arr[self.n:need] = values.get(k, 0)
        self.n = need
        # Rows grouped by decision week, each group in row order (a stable sort): one
        # sort instead of a mask per week.
        decide = np.asarray(values["decide"])
        order = np.argsort(decide, kind="stable")
        weeks, starts = np.unique(decide[order], return_index=True)
        if m:
            for week, part in zip(weeks.tolist(), np.split(rows[order], starts[1:]),
                                  strict=True):
                self._calendar[week].append(part)
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

    def __init__(self, sc: Scenario, customers: CustomerBook, demand_rng):
        m = sc.market
        self.customers = customers
        self.rng = demand_rng
        self.stream = int(demand_rng.integers(2**63))
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
        counts = poisson_from_uniform(self.rng.random(self.customers.n), lam)
        cust = np.repeat(np.arange(self.customers.n), counts)
        m = len(cust)
        first = np.searchsorted(cust, cust)  # each customer's first deal (cust is sorted)
        keys = deal_keys(self.stream, week, cust, np.arange(m) - first)
        u = hash_uniform(keys, _ATTRIBUTES, SALT_DEAL)
        seg = self.customers.segment[cust]
        product = (u[:, 0, None] > self.mix_cdf[seg]).sum(axis=1)
        units = np.maximum(1.0, np.round(np.exp(self.mu[seg] + self.sigma[seg] * ndtri(
            np.clip(u[:, 1], 1e-12, 1.0 - 1e-12)))))
        spec_w = self.spec[0] + (u[:, 2] * (self.spec[1] - self.spec[0] + 1)).astype(np.int64)
        tender_w = self.tender[0] + (u[:, 3] * (self.tender[1] - self.tender[0] + 1)).astype(
            np.int64)
        decide = np.where(seg == PROJECT, week + spec_w + tender_w, week)
        return book.append(
            customer=cust, region=self.customers.region[cust], segment=seg, product=product,
            units=units, created=np.full(m, week), decide=decide, key=keys,
            spec_agent=np.full(m, -1), registered=np.full(m, -1), winner=np.full(m, -1),
        )
