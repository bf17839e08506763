"""Distributors' stock: serving from it, receiving, and replenishing (the sell-in)."""

from __future__ import annotations

import numpy as np

from sim.ledger import nonzero_sum
from sim.rules.inventory import moving_average, order_up_to


class Stock:
    """On-hand, backlog and pipeline of every distributor for every stocked product line.

    Rows follow ``dist_agents`` (indices into the channel book); columns are product lines
    (non-stocked lines keep zero stock and are bought to order).
    """

    def __init__(self, dist_agents: np.ndarray, stocked: np.ndarray, lead_time: int,
                 forecast_weeks: int, safety_weeks: float, initial_forecast: np.ndarray):
        self.agents = dist_agents
        self.row_of = {int(a): i for i, a in enumerate(dist_agents)}
        # The same map as an array (-1 for agents without stock), so that looking up the
        # hundreds of bids a week is one indexing step instead of a Python loop.
        self._row_index = np.full(int(dist_agents.max()) + 1 if len(dist_agents) else 0, -1,
                                  dtype=np.int64)
        self._row_index[dist_agents] = np.arange(len(dist_agents))
        self.stocked = stocked.astype(bool)
        self.lead = lead_time
        self.safety = safety_weeks
        f0 = initial_forecast * self.stocked
        self.history = np.repeat(f0[None], forecast_weeks, axis=0)
        self.pipeline = np.repeat(f0[None], lead_time + 1, axis=0)
        self.on_hand = (lead_time + 1 + safety_weeks) * f0 - lead_time * f0
        self.backlog = np.zeros_like(f0)
        self.demand = np.zeros_like(f0)
        self.shipped = np.zeros_like(f0)

    def rows(self, agents: np.ndarray) -> np.ndarray:
        """Stock rows of the given distributor agents.

        Raises:
            KeyError: an agent that holds no stock (not a distributor).

        """
        agents = np.asarray(agents, dtype=np.int64)
        ok = (agents >= 0) & (agents < len(self._row_index))
        rows = self._row_index[np.where(ok, agents, 0)] if len(self._row_index) else agents
        bad = ~ok | (rows < 0)
        if bad.any():
            raise KeyError(int(agents[np.argmax(bad)]))
        return rows

    def receive(self, week: int) -> None:
        """Goods ordered ``lead_time`` weeks ago arrive; backlog is served first."""
        slot = week % (self.lead + 1)
        self.on_hand += self.pipeline[slot]
        self.pipeline[slot] = 0.0
        fill = np.minimum(self.on_hand, self.backlog)
        self.on_hand -= fill
        self.backlog -= fill
        self.demand.fill(0.0)
        self.shipped.fill(0.0)

    def take(self, rows: np.ndarray, product: np.ndarray, units: np.ndarray) -> tuple[float, float]:
        """Ship sales of stocked lines from stock; what is short goes to backlog.

        Returns:
            (units asked of stock, units shipped from stock) for the fill rate.

        """
        keep = self.stocked[product]
        rows, product, units = rows[keep], product[keep], units[keep]
        if len(rows) == 0:
            return 0.0, 0.0
        asked = np.zeros_like(self.on_hand)
        np.add.at(asked, (rows, product), units)
        ship = np.minimum(self.on_hand, asked)
        self.on_hand -= ship
        self.backlog += asked - ship
        self.demand += asked
        self.shipped += ship
        return nonzero_sum(asked), nonzero_sum(ship)

    def replenish(self, week: int, ordering: np.ndarray, cover: np.ndarray,
                  extra_weeks: np.ndarray, extra_money: np.ndarray,
                  unit_price: np.ndarray) -> np.ndarray:
        """Place this week's orders (units, rows x products); they arrive after the lead time.

        Args:
            week: the current week.
            ordering: bool per row; distributors that no longer order get zero.
            cover: cover factor per row (destocking when below 1).
            extra_weeks: weeks of forecast bought on top (forward buying), per row.
            extra_money: money bought on top to reach a rebate tier, per row.
            unit_price: the distributor's purchase price per unit, rows x products.

        """
        self.history[week % len(self.history)] = self.demand
        forecast = moving_average(self.history)
        mix = forecast / np.maximum(forecast.sum(axis=1, keepdims=True), 1e-12)
        extra = extra_weeks[:, None] * forecast + np.divide(
            extra_money[:, None] * mix, unit_price, out=np.zeros_like(forecast),
            where=unit_price > 0)
        q = order_up_to(forecast, self.on_hand, self.pipeline.sum(axis=0), self.backlog,
                        self.lead, self.safety, cover[:, None], extra)
        q = np.where(ordering[:, None] & self.stocked[None, :], q, 0.0)
        self.pipeline[(week + self.lead) % (self.lead + 1)] += q
        return q

    def weekly_units(self) -> float:
        """Average weekly units asked of distributors' stock over the forecast window."""
        return nonzero_sum(self.history) / len(self.history)
