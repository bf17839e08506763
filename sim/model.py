"""ChannelModel: the manufacturer's market, one week per step."""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim.agents import Customer, DirectRep, Distributor, Marketplace, Partner
from sim.book import DIRECT, DIST, MARKET, PART
from sim.demand import PROJECT, DealBook, Demand
from sim.incentives import Incentives
from sim.ledger import Ledger, nonzero_sum
from sim.market import Market
from sim.motivation import Motivation, expected_margins
from sim.network_changes import apply_network_changes
from sim.policy import MID, CompiledPolicy
from sim.rng import Streams
from sim.rollout import Schedule
from sim.rules.inventory import cover_factor, loading_extra
from sim.scenario import Scenario
from sim.scenario.market import SEGMENTS
from sim.settle import settle
from sim.setup import (
    assign_incumbents,
    assign_suppliers,
    build_channels,
    build_customers,
    geography,
    region_graph,
)
from sim.supply import Stock

_AGENT_CLASS = {DIST: Distributor, PART: Partner, DIRECT: DirectRep, MARKET: Marketplace}


def turnover(model: ChannelModel) -> float:
    """Reporter: this week's manufacturer turnover."""
    return model.last.get("turnover", 0.0)


def sell_through(model: ChannelModel) -> float:
    """Reporter: this week's end-customer sales of the brand."""
    return model.last.get("sell_through", 0.0)


def conflicts(model: ChannelModel) -> float:
    """Reporter: this week's channel conflicts."""
    return model.last.get("conflicts", 0.0)


def agents_active(model: ChannelModel) -> float:
    """Reporter: contracted agents that are active."""
    return model.last.get("agents_active", 0.0)


def _kpi(name: str):
    def reporter(model: ChannelModel) -> float:
        return model.last.get(name, 0.0)

    reporter.__name__ = name
    reporter.__doc__ = f"Reporter: this week's {name}."
    return reporter


# Further weekly KPIs collected for live charts (the full set is in ``kpis()``).
EXTRA_REPORTERS = {name: _kpi(name) for name in (
    "turnover_direct", "turnover_distributor", "turnover_partner", "turnover_marketplace",
    "price_dumping", "agents_contracted", "mean_commitment")}


class ChannelModel(mesa.Model):
    """A manufacturer's sales channels competing for deals against a competitor brand.

    Args:
        scenario: a validated :class:`~sim.scenario.Scenario` (see ``load_scenario``).
        rng: the replication seed: an int, a ``numpy.random.SeedSequence`` or None.
        weeks: weeks to make room for in the output (default: the scenario's).

    The scenario is kept as ``self.spec`` (Mesa's own ``Model.scenario`` is another thing).

    """

    def __init__(self, scenario: Scenario, rng=None, weeks: int | None = None):
        seed = rng if not isinstance(rng, np.random.SeedSequence) else int(rng.generate_state(1)[0])
        super().__init__(rng=seed)
        sc = self.spec = scenario
        self.streams = Streams.from_seed(rng)
        graph = region_graph(sc)
        self.space = Network(graph, layout=None, random=self.random)
        self.geo = geography(sc, graph)
        self.customers = build_customers(sc, self.streams.setup)
        self.book = build_channels(sc, self.streams.setup, self.streams.additions)
        assign_incumbents(sc, self.customers, self.book, self.geo, self.streams.setup)
        self._channel_agents = [
            _AGENT_CLASS[int(r)](self, j, self.space[int(self.book.region[j])])
            for j, r in enumerate(self.book.role)
        ]
        for c, r in enumerate(self.customers.region):
            Customer(self, c, self.space[int(r)])
        n_regions = len(sc.market.regions)
        self.policies = [CompiledPolicy(sc.policy_before, self.book, n_regions),
                         CompiledPolicy(sc.policy, self.book, n_regions)]
        self.schedule = Schedule(sc)
        self.street_mid = sc.market.street_discount[SEGMENTS[MID]]
        self.deals = DealBook(capacity=1024)
        self.demand = Demand(sc, self.customers, self.streams.demand)
        self.typical_deal_value = self._typical_deal_value()
        self.market = Market(self)
        dists = np.flatnonzero(self.book.role == DIST)
        inv = sc.behaviour.inventory
        value0, units0 = self._initial_flows(dists)
        self.book.sell_through_ewma[:] = value0
        self.stock = Stock(dists, self.market.stocked, inv.lead_time, inv.forecast_weeks,
                           inv.safety_weeks, units0)
        self.incentives = Incentives(self.book.n)
        self.motivation = Motivation(self)
        self.ledger = Ledger(weeks or sc.weeks, n_regions, self.book, sc.market.regions)
        self.last: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            "turnover": turnover, "sell_through": sell_through, "conflicts": conflicts,
            "agents_active": agents_active, **EXTRA_REPORTERS})
        self.week = -sc.behaviour.warmup_weeks
        for _ in range(sc.behaviour.warmup_weeks):
            self.week += 1
            self._week()

    # -- the week -----------------------------------------------------------------------
    def step(self) -> None:
        """One week of the market."""
        self.week += 1
        self._week()
        self.datacollector.collect(self)

    def _week(self) -> None:
        w = self.week
        self.roll_out(w)
        version = self.schedule.phase(w)[self.book.region]
        self.book.reset_week()
        self.stock.receive(w)
        self.book.trained = np.array([p.p.training.enabled for p in self.policies])[version] & (
            self.book.role == PART)
        new = self.demand.arrive(self.deals, w)
        self.ledger.add("deals_created", len(new))
        self.specify(new, w)
        self.trade(self.deals.due(w), w)
        self.replenish(w, version)
        self.incentives.accrue(self, w, version)
        self.motivation.review_tiers(self, w, version)
        announced = self.schedule.announced(w)[self.book.region]
        self.motivation.update(self, w, version, announced)
        self.last = self.ledger.close_week(w, self.book, *self._inventory(version))

    # -- what happens in it -------------------------------------------------------------
    def roll_out(self, week: int) -> None:
        """Regions switching to the strategy this week get its network changes."""
        regions = self.schedule.switching(week)
        if len(regions) and self.spec.rollout is not None:
            apply_network_changes(self, self.spec.rollout.network_changes, regions)

    def specify(self, rows: np.ndarray, week: int) -> None:
        """New project deals enter specification under the policy of their region now."""
        rows = rows[self.deals.segment[rows] == PROJECT]
        if len(rows) == 0:
            return
        v = self.schedule.phase(week)[self.deals.region[rows]]
        self.deals.version[rows] = v
        for k, pol in enumerate(self.policies):
            part = rows[v == k]
            credited = self.market.specify(part, pol)
            got = credited[credited >= 0]
            if pol.p.spec_in_bonus > 0 and len(got):
                bonus = np.full(len(got), pol.p.spec_in_bonus)
                self.ledger.turnover("partner", -bonus, self.book.region[got])
                self.ledger.add("rebates", bonus.sum())
                np.add.at(self.book.week["incentives"], got, bonus)

    def trade(self, rows: np.ndarray, week: int) -> None:
        """Decide the deals due this week, each under the policy version it belongs to."""
        if len(rows) == 0:
            return
        deals, n_a = self.deals, self.book.n
        inc = self.customers.incumbent[deals.customer[rows]]
        v = self.schedule.deal_versions(week, deals.region[rows], deals.segment[rows],
                                        deals.version[rows], (inc >= 0) & (inc < n_a))
        for k, pol in enumerate(self.policies):
            part = rows[v == k]
            if len(part):
                settle(self, self.market.offers(part, pol), pol)

    def replenish(self, week: int, version: np.ndarray) -> None:
        """Distributors order up to their level: the manufacturer's sell-in."""
        st, book, inv = self.stock, self.book, self.spec.behaviour.inventory
        d = st.agents
        if len(d) == 0:
            return
        unit_price = self._dist_unit_prices(version)
        m_exp = expected_margins(self, version)[d]
        cover = np.ones(len(d))
        if inv.destocking:
            cover = cover_factor(m_exp, book.margin_ref[d], book.commitment[d],
                                 book.commitment_ref[d], inv.destock_elasticity,
                                 inv.min_cover_factor)
        extra_weeks = np.zeros(len(d))
        if inv.forward_buying:
            announced = self.schedule.announced(week)[book.region[d]]
            now = self.policies[0].purchase_discount(book, d)
            later = self.policies[1].purchase_discount(book, d)
            extra_weeks = np.where(announced & (later < now - 1e-9), inv.forward_weeks, 0.0)
        extra_money = np.zeros(len(d))
        if inv.rebate_loading:
            for k, pol in enumerate(self.policies):
                per = pol.p.rebates.period_weeks
                if pol.p.rebates.scheme == "none":
                    continue
                mine = version[d] == k
                left = per - (week % per)
                extra = loading_extra(self.incentives.volume[d],
                                      self.incentives.next_threshold(pol)[d],
                                      inv.loading_reach, left, inv.loading_weeks)
                extra_money = np.where(mine, extra, extra_money)
        ordering = book.contracted()[d]
        q = st.replenish(week, ordering, cover, extra_weeks, extra_money, unit_price)
        money = (q * unit_price).sum(axis=1)
        self.ledger.turnover("distributor", money, book.region[d])
        self.ledger.add("cogs", q * self.market.unit_cost)
        book.week["purchases"][d] += money

    # -- helpers ------------------------------------------------------------------------
    def _dist_unit_prices(self, version: np.ndarray) -> np.ndarray:
        d = self.stock.agents
        disc = np.zeros(len(d))
        for k, pol in enumerate(self.policies):
            mine = version[d] == k
            disc = np.where(mine, pol.purchase_discount(self.book, d), disc)
        return self.market.list_price[None, :] * (1.0 - disc[:, None])

    def _inventory(self, version: np.ndarray) -> tuple[float, float, float]:
        st = self.stock
        if len(st.agents) == 0:
            return 0.0, 0.0, 0.0
        value = nonzero_sum(st.on_hand * self._dist_unit_prices(version))
        return value, nonzero_sum(st.on_hand), st.weekly_units()

    def _typical_deal_value(self) -> float:
        m = self.spec.market
        w = np.array([m.segment_shares[s] * m.deal_rate[s] for s in SEGMENTS])
        list_by_seg = np.array([
            sum(p.mix.get(s, 0) * p.list_price for p in self.spec.products)
            / max(sum(p.mix.get(s, 0) for p in self.spec.products), 1e-12) for s in SEGMENTS])
        value = np.array([m.deal_size[s].units_mean for s in SEGMENTS]) * list_by_seg
        return float((w * value).sum() / w.sum()) if w.sum() > 0 else float(value.mean())

    def _initial_flows(self, dists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rough weekly flows implied by the customers each agent starts with.

        Returns:
            (sell-through per channel agent in money, units per distributor and product
            line drawn from its stock, its own customers' and its dealers'), assuming the
            incumbent wins half of its customers' deals at the street price.

        """
        cust, book, dm = self.customers, self.book, self.demand
        units_out = np.zeros((len(dists), len(self.spec.products)))
        value_out = np.zeros(book.n)
        if book.n == 0:
            return value_out, units_out
        inc = cust.incumbent
        ok = (inc >= 0) & (inc < book.n)
        seller = np.where(ok, inc, 0)
        units = np.exp(dm.mu + 0.5 * dm.sigma**2)[cust.segment]
        mix = np.diff(np.concatenate([np.zeros((len(SEGMENTS), 1)), dm.mix_cdf], axis=1), axis=1)
        flow = (dm.rate * units)[:, None] * mix[cust.segment] * 0.5  # [customers, products]
        street = np.array([self.spec.market.street_discount[s] for s in SEGMENTS])
        value = (flow * self.market.list_price).sum(axis=1) * (1.0 - street[cust.segment])
        np.add.at(value_out, seller[ok], value[ok])
        via = np.where(ok & (book.role[seller] == PART), book.supplier[seller], seller)
        row = np.full(book.n, -1)
        row[dists] = np.arange(len(dists))
        mine = ok & (via >= 0) & (row[np.maximum(via, 0)] >= 0)
        np.add.at(units_out, row[via[mine]], flow[mine])
        return value_out, units_out

    # -- agents and outputs -------------------------------------------------------------
    def channel_agent(self, j: int):
        """The Mesa agent of channel-book row ``j``."""
        return self._channel_agents[j]

    def reassign_suppliers(self) -> None:
        """Dealers whose distributor left get a new one."""
        assign_suppliers(self.book)

    def kpis(self):
        """Weekly KPIs, one row per recorded week."""
        return self.ledger.tables(self.book)["kpis"]

    def tables(self):
        """The four output tables: kpis, by_region, conflicts, agents."""
        return self.ledger.tables(self.book)
