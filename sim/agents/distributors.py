"""The distributors: stock, serving a sale, delivery times, and orders (the sell-in).

A distributor's stock has one row per distributor and one column per product line
(lines that are not stocked keep zero stock and are bought to order). The manufacturer's
assortment matrix (``policy.assortment``) can require lines, made-to-order ones included,
and a minimum cover of each; holding stock beyond the distributor's own level costs it
``inventory.holding_rate`` a year of the stock's value, a cost in its margin. Each week goods
ordered ``lead_time`` weeks ago arrive and serve the backlog first; sales are shipped from
stock or wait in backlog; then each distributor orders up to its level on a moving-average
forecast (``sim.rules.inventory.order_up_to``), scaled by the cover it chooses to hold and
topped up by forward buying and rebate loading (``docs/model.md``, stock).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.agents.motivation import REFERENCE_SPEED
from sim.market.ledger import nonzero_sum
from sim.market.policy import CompiledPolicy
from sim.rules.inventory import (
    adjust,
    cover_factor,
    forward_weeks,
    holding_cost,
    loading_extra,
    moving_average,
    net_price_factor,
    order_up_to,
    required_extra,
)
from sim.scenario import Scenario
from sim.vocab import Role


class Distributors:
    """On-hand, backlog and pipeline of every distributor, and its ordering decisions."""

    def __init__(self, sc: Scenario, agents: np.ndarray, catalogue,
                 initial_forecast: np.ndarray):
        inv, pr = sc.behaviour.inventory, sc.behaviour.pricing
        self.agents = agents
        self.settings = inv
        self.pricing = pr
        self.catalogue = catalogue
        # Stock row of each channel agent (-1 for agents without stock), so that looking up
        # the hundreds of bids a week is one indexing step instead of a Python loop.
        self._row_index = np.full(int(agents.max()) + 1 if len(agents) else 0, -1,
                                  dtype=np.int64)
        self._row_index[agents] = np.arange(len(agents))
        self.row_of = {int(a): i for i, a in enumerate(agents)}
        self.stocked = catalogue.stocked.astype(bool)
        # lines each distributor stocks: the catalogue's, and what the assortment requires
        self.stocks = np.repeat(self.stocked[None, :], len(agents), axis=0)
        self.min_weeks = np.zeros(len(agents))
        self.required = np.zeros_like(self.stocks)
        self.holding = np.zeros(len(agents))       # last week's cost of required extra stock
        self.forecast = np.zeros_like(self.stocks, dtype=float)   # last order's forecast
        self.lead = inv.lead_time
        self.safety = inv.safety_weeks
        f0 = initial_forecast * self.stocked
        self.history = np.repeat(f0[None], inv.forecast_weeks, axis=0)
        self.pipeline = np.repeat(f0[None], self.lead + 1, axis=0)
        self.on_hand = (self.lead + 1 + self.safety) * f0 - self.lead * f0
        self.backlog = np.zeros_like(f0)
        self.demand = np.zeros_like(f0)
        self.shipped = np.zeros_like(f0)
        self.cover = np.ones(len(agents))          # share of its normal cover it holds
        self.extra_weeks = np.zeros(len(agents))   # forward buying this week
        self.net_ref: np.ndarray | None = None     # its recent normal net margin
        self.street_mid = sc.market.street_discount["mid"]
        # the reference drifts slower than the agents' memory (as commitment's reference)
        self.reference_rate = REFERENCE_SPEED / sc.behaviour.commitment.memory_weeks

    def rows(self, agents: np.ndarray) -> np.ndarray:
        """Stock rows of the given distributor agents.

        Raises:
            KeyError: an agent that holds no stock (not a distributor).

        """
        agents = np.asarray(agents, dtype=np.int64)
        index = self._row_index
        if len(agents) == 0:
            return agents
        # the common case checked with two reductions; the first bad agent found if any
        if len(index) and agents.min() >= 0 and agents.max() < len(index):
            rows = index[agents]
            if rows.min() >= 0:
                return rows
        ok = (agents >= 0) & (agents < len(index))
        rows = index[np.where(ok, agents, 0)] if len(index) else agents
        raise KeyError(int(agents[np.argmax(~ok | (rows < 0))]))

    # -- the week -----------------------------------------------------------------------
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

    def delivery(self, channel, pol: CompiledPolicy, product: np.ndarray, units: np.ndarray,
                 a: np.ndarray) -> np.ndarray:
        """Delivery time (weeks) each bidder ``a`` can promise on a sale of ``units``.

        Distributors ship from their own stock; two-tier dealers from their distributor's,
        a week later; a shortfall waits for the lead time; others ship from the factory;
        made-to-order lines take the made-to-order time whoever sells them.
        """
        pr = self.pricing
        stocked = self.stocked[product].copy()
        base = np.where(channel.role[a] == Role.MARKETPLACE, pr.in_stock_weeks,
                        pr.factory_weeks)
        is_dist = channel.role[a] == Role.DISTRIBUTOR
        dealer = pol.two_tier_mask(channel, a)
        source = np.where(is_dist, a, np.where(dealer, channel.supplier[a], -1))
        from_stock = source >= 0
        if from_stock.any():
            srow = self.rows(source[from_stock])
            have = self.on_hand[srow, product[from_stock]] >= units[from_stock]
            weeks = np.where(have, pr.in_stock_weeks, pr.in_stock_weeks + self.lead)
            base[from_stock] = weeks + np.where(dealer[from_stock], 1.0, 0.0)
            stocked[from_stock] = self.stocks[srow, product[from_stock]]
        return np.where(stocked, base, pr.made_to_order_weeks)

    def serve(self, dist: np.ndarray, unit_price: np.ndarray, segment: np.ndarray,
              product: np.ndarray, units: np.ndarray, channel, ledger) -> None:
        """Distributors ``dist`` supply sales: stocked lines from stock, others bought to order.

        Args:
            dist: the supplying distributor of each sale.
            unit_price: what it pays the manufacturer per unit of a line bought to order.
            segment: each sale's customer segment.
            product: each sale's product line.
            units: each sale's units.
            channel: the channel agents (their purchases are counted).
            ledger: the books (made-to-order purchases are the manufacturer's turnover now).

        """
        if len(dist) == 0:
            return
        rows = self.rows(dist)
        asked, shipped = self._take(rows, product, units)
        ledger.add("units_ordered_from_stock", asked)
        ledger.add("units_from_stock", shipped)
        mto = ~self.stocks[rows, product]
        if mto.any():
            # demand for a line it does not stock is remembered: a line the assortment
            # later requires starts from a forecast
            kernels.add_at_2d(self.demand, rows[mto], product[mto], units[mto])
            buy = (unit_price * units)[mto]
            ledger.turnover("distributor", buy, channel.region[dist[mto]], segment[mto])
            ledger.add("cogs", (self.catalogue.unit_cost[product] * units)[mto].sum())
            kernels.add_at_1d(channel.week["purchases"], dist[mto], buy)

    def _take(self, rows: np.ndarray, product: np.ndarray, units: np.ndarray):
        """Ship sales of stocked lines from stock; what is short goes to backlog.

        Returns:
            (units asked of stock, units shipped from stock) for the fill rate.

        """
        keep = self.stocks[rows, product]
        rows, product, units = rows[keep], product[keep], units[keep]
        if len(rows) == 0:
            return 0.0, 0.0
        asked = np.zeros(self.on_hand.shape)   # (zeros_like costs ten times more)
        kernels.add_at_2d(asked, rows, product, units)
        ship = np.minimum(self.on_hand, asked)
        self.on_hand -= ship
        self.backlog += asked - ship
        self.demand += asked
        self.shipped += ship
        return nonzero_sum(asked), nonzero_sum(ship)

    # -- ordering -----------------------------------------------------------------------
    def unit_prices(self, channel, policies: list[CompiledPolicy],
                    version: np.ndarray) -> np.ndarray:
        """What each distributor pays per unit of each line under the policy in force."""
        d = self.agents
        disc = np.zeros(len(d))
        for k, pol in enumerate(policies):
            mine = version[d] == k
            if mine.any():
                disc = np.where(mine, pol.purchase_discount(channel, d), disc)
        return self.catalogue.list_price[None, :] * (1.0 - disc[:, None])

    def net_margin(self, pol, channel, incentives, week: int) -> np.ndarray:
        """Each distributor's expected margin on a mid-segment sale, net of what it is paid.

        ``1 - net / (1 - street)`` with ``net`` the net purchase price per unit of list
        (``rules.inventory.net_price_factor``): its discount, the rebate and plan bonus it
        expects at its pace, the bonus on any sale and the marketing funds.
        """
        d = self.agents
        p = pol.policy
        rebate, plan = incentives.rate_at_pace(pol, week)
        net = net_price_factor(pol.purchase_discount(channel, d), rebate[d],
                               plan[d] + p.sales_bonus, p.marketing_funds)
        return 1.0 - net / (1.0 - self.street_mid)

    def replenish(self, week: int, channel, policies: list[CompiledPolicy],
                  version: np.ndarray, announced: np.ndarray,
                  incentives) -> tuple[np.ndarray, np.ndarray]:
        """Place this week's orders (units, distributors x lines): the manufacturer's sell-in.

        Each distributor orders up to ``cover x level + extra`` (``order_up_to``). The cover
        it wants falls below 1 when its expected net margin or its commitment falls below
        its own recent normal (``cover_factor``), and its cover moves there by partial
        adjustment (``inventory.adjust_rate`` per week). Ahead of an announced rise in its
        net purchase price it buys ``k`` weeks of forecast on top while the saving beats
        the holding cost, within its credit limit (``forward_weeks``). Near the end of a
        rebate period it buys toward the next tier (``loading_extra``). Each behaviour can
        be switched off.

        Args:
            week: the current week.
            channel: the channel agents (commitment, contract state).
            policies: the policy versions (0 today's, 1 the strategy's).
            version: the version in force in each agent's home region.
            announced: per agent, a change is announced for its region and not yet in force.
            incentives: period volumes, rebate thresholds and the rates agents expect.

        Returns:
            The orders (units) and the unit prices they are bought at.

        """
        inv = self.settings
        d = self.agents
        unit_price = self.unit_prices(channel, policies, version)
        self.require(channel, policies, version)
        new_rules = version[d] == 1
        # the strategy's margins matter only where it is in force or announced (forward
        # buying); elsewhere ``np.where`` would pick today's margins, so they are not made
        forward = inv.forward_buying and announced[d].any()
        wanted = len(policies) > 1 and (new_rules.any() or forward)
        nets = [self.net_margin(pol, channel, incentives, week) if k == 0 or wanted else None
                for k, pol in enumerate(policies)]
        net = np.where(new_rules, nets[1], nets[0]) if wanted else nets[0]
        if self.net_ref is None:
            self.net_ref = net.copy()
        self.net_ref += self.reference_rate * (net - self.net_ref)
        if inv.destocking:
            target = cover_factor(net, self.net_ref, channel.commitment[d],
                                  channel.commitment_ref[d], inv.destock_elasticity,
                                  inv.min_cover_factor)
            self.cover = adjust(self.cover, target, inv.adjust_rate)
        extra_weeks = np.zeros(len(d))
        if forward:
            rise = (1.0 - nets[1]) / np.maximum(1.0 - nets[0], 1e-12) - 1.0
            extra_weeks = np.where(announced[d] & (version[d] == 0),
                                   forward_weeks(rise, inv.holding_rate, inv.credit_weeks), 0.0)
        extra_money = np.zeros(len(d))
        if inv.rebate_loading:
            left = incentives.weeks_left(week)[d]
            for k, pol in enumerate(policies):
                if pol.policy.rebates.scheme == "none":
                    continue
                mine = version[d] == k
                if not mine.any():
                    continue
                extra = loading_extra(incentives.volume[d], incentives.next_threshold(pol)[d],
                                      inv.loading_reach, left, inv.loading_weeks)
                extra_money = np.where(mine, extra, extra_money)
        self.extra_weeks = extra_weeks
        ordering = channel.contracted()[d]
        orders = self._order(week, ordering, self.cover, extra_weeks, extra_money, unit_price)
        return orders, unit_price

    def require(self, channel, policies: list[CompiledPolicy], version: np.ndarray) -> None:
        """The assortment in force for each distributor: lines it stocks, minimum cover."""
        d = self.agents
        self.required = np.zeros(self.stocks.shape, dtype=bool)
        self.min_weeks = np.zeros(len(d))
        for k, pol in enumerate(policies):
            mine = (version[d] == k).nonzero()[0]
            if len(mine):
                self.required[mine], self.min_weeks[mine] = pol.assortment(channel, d[mine])
        self.stocks = self.stocked[None, :] | self.required

    def _order(self, week: int, ordering: np.ndarray, cover: np.ndarray,
               extra_weeks: np.ndarray, extra_money: np.ndarray,
               unit_price: np.ndarray) -> np.ndarray:
        """Place this week's orders (units); they arrive after the lead time."""
        self.history[week % len(self.history)] = self.demand
        forecast = self.forecast = moving_average(self.history) * self.stocks
        mix = forecast / np.maximum(forecast.sum(axis=1, keepdims=True), 1e-12)
        extra = extra_weeks[:, None] * forecast + np.divide(
            extra_money[:, None] * mix, unit_price, out=np.zeros(np.shape(forecast)),
            where=unit_price > 0)
        if self.required.any():   # the assortment's minimum cover, W weeks of forecast
            floor = np.where(self.required, self.min_weeks[:, None] * forecast, 0.0)
            chosen = cover[:, None] * ((self.lead + 1) * forecast + self.safety * forecast)
            required = required_extra(chosen, floor)
            self.holding = holding_cost(required, unit_price,
                                        self.settings.holding_rate).sum(axis=1) * ordering
            extra = extra + required
        else:
            self.holding = np.zeros(len(ordering))
        q = order_up_to(forecast, self.on_hand, self.pipeline.sum(axis=0), self.backlog,
                        self.lead, self.safety, cover[:, None], extra)
        q = np.where(ordering[:, None] & self.stocks, q, 0.0)
        self.pipeline[(week + self.lead) % (self.lead + 1)] += q
        return q

    # -- what the books need ------------------------------------------------------------
    def inventory(self, unit_price: np.ndarray) -> tuple[float, float, float]:
        """(stock value at purchase prices, units on hand, weekly units asked of stock)."""
        if len(self.agents) == 0:
            return 0.0, 0.0, 0.0
        return (nonzero_sum(self.on_hand * unit_price), nonzero_sum(self.on_hand),
                nonzero_sum(self.history * self.stocks) / len(self.history))
