"""ChannelModel: the manufacturer's market, one week per step.

``step()`` reads as the week: the regions switching to a strategy get its network
changes; customers whose supplier the rules now bar lose it; goods arrive at the
distributors; customers raise deals and partners spec the
projects among them; the deals due are bid for by the channel agents, chosen by the
customers and settled; distributors replenish; rebates accrue; tiers are reviewed;
commitment moves; the books close. Who does each thing lives in ``sim.agents``; what no
single agent owns (deals, policy, settlement, incentives, the ledger, the rollout) in
``sim.market``.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim import kernels
from sim.agents import Customer, DirectRep, Distributor, Marketplace, Partner
from sim.agents.direct import DirectTeam
from sim.agents.distributors import Distributors
from sim.agents.effort import EffortPlan
from sim.agents.motivation import Motivation
from sim.agents.partners import Partners
from sim.market.competitor import Competitor
from sim.market.deals import DealBook
from sim.market.incentives import Incentives
from sim.market.ledger import Ledger
from sim.market.policy import CompiledPolicy
from sim.market.rollout import Schedule, apply_network_changes
from sim.market.settle import settle
from sim.rng import Streams
from sim.scenario import Scenario
from sim.vocab import SEGMENTS, Role, Segment, State
from sim.world import (
    Catalogue,
    assign_incumbents,
    build_channels,
    build_customers,
    geography,
    initial_flows,
    network_streams,
    region_graph,
    typical_deal_value,
)

_VIEW_CLASS = {Role.DISTRIBUTOR: Distributor, Role.PARTNER: Partner, Role.DIRECT: DirectRep,
               Role.MARKETPLACE: Marketplace}
# Weekly KPIs the DataCollector keeps for live charts (the full set is in ``kpis()``).
REPORTED = ("turnover", "sell_through", "conflicts", "agents_active", "turnover_direct",
            "turnover_distributor", "turnover_partner", "turnover_marketplace",
            "price_dumping", "agents_contracted", "mean_commitment")


def _reporter(name: str):
    def reporter(model: ChannelModel) -> float:
        return model.last.get(name, 0.0)

    reporter.__name__ = name
    reporter.__doc__ = f"Reporter: this week's {name}."
    return reporter


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
        self._build_world(sc)
        n_regions = len(sc.market.regions)
        chase = sc.behaviour.effort.unassigned_weight
        lines = [p.name for p in sc.products]
        self.policies = [CompiledPolicy(pol, self.channel, n_regions, chase, lines)
                         for pol in (sc.policy_before, sc.policy)]
        self.schedule = Schedule(sc)
        # each customer's (region, segment) cell as one flat index (customers never move)
        self._customer_cell = (self.customers.region * len(SEGMENTS)
                               + self.customers.segment).astype(np.int64)
        # room for the deals a run expects (rates x weeks, growth to its end, a margin), so
        # the book rarely grows: growing copies every column (capacity changes no number)
        span = (weeks or sc.weeks) + sc.behaviour.warmup_weeks
        expected = self.customers.rate.sum() * span * max(1.0, 1.0 + sc.market.growth) ** (
            span / 52.0)
        self.deals = DealBook(capacity=int(1.2 * expected) + 1024)
        street_mid = sc.market.street_discount[Segment.MID.label]
        self.motivation = Motivation(sc.behaviour.commitment, self.channel, self.policies,
                                     street_mid, typical_deal_value(sc),
                                     sc.behaviour.activity_weeks)
        self.incentives = Incentives(self.channel.n)
        self.ledger = Ledger(weeks or sc.weeks, n_regions, self.channel, sc.market.regions)
        self.last: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in REPORTED})
        self.week = -sc.behaviour.warmup_weeks
        self.channel.last_active[:] = self.week   # everyone starts as if it had just sold
        # ... but a roster's agents that bought nothing last year, which start on paper
        idle = self.channel.state == State.ON_PAPER
        self.channel.last_active[idle] = self.week - sc.behaviour.activity_weeks - 1
        for _ in range(sc.behaviour.warmup_weeks):
            self.week += 1
            self._week(self.week)

    def _build_world(self, sc: Scenario) -> None:
        """Regions, products, customers, the channel network and the distributors' stock."""
        graph = region_graph(sc)
        self.space = Network(graph, layout=None, random=self.random)
        self.geo = geography(sc, graph)
        self.catalogue = Catalogue.of(sc)
        # the network is the same in every future: drawn from network.seed, not the
        # replication's seed (whose setup and additions streams are left unused)
        setup, additions = network_streams(sc)
        self.customers = build_customers(sc, setup, self.streams.demand)
        self.channel = build_channels(sc, setup, additions)
        self.channel.configure(sc, self.geo, self.catalogue)
        assign_incumbents(sc, self.customers, self.channel, self.geo, setup)
        # each region's cell looked up once, not once per agent (5,000 customers)
        cells = [self.space[r] for r in range(len(sc.market.regions))]
        self._views = [_VIEW_CLASS[Role(r)](self, j, cells[reg]) for j, (r, reg) in
                       enumerate(zip(self.channel.role.tolist(), self.channel.region.tolist(),
                                     strict=True))]
        for c, r in enumerate(self.customers.region.tolist()):
            Customer(self, c, cells[r])
        self.channel.plan = EffortPlan(sc, self.channel, self.customers, self.catalogue)
        self.channel.team = DirectTeam(self.channel, sc.network.rep_open_deals,
                                       self.channel.plan.deal_value)
        self.partners = Partners(self.channel, sc.behaviour.pricing)
        self.competitor = Competitor(sc, self.catalogue.stocked)
        dists = np.flatnonzero(self.channel.role == Role.DISTRIBUTOR)
        value0, units0 = initial_flows(sc, self.customers, self.channel, dists, self.catalogue)
        self.channel.sell_through_ewma[:] = value0
        self.distributors = Distributors(sc, dists, self.catalogue, units0)
        weeks0 = self.channel.stock_weeks[dists]      # a roster's stock at the start
        given = np.isfinite(weeks0)
        stock = self.distributors
        stock.on_hand[given] = weeks0[given, None] * units0[given] * stock.stocked

    # -- the week -----------------------------------------------------------------------
    def step(self) -> None:
        """One week of the market."""
        self.week += 1
        self._week(self.week)
        self.datacollector.collect(self)

    def _week(self, week: int) -> None:
        self.roll_out(week)
        self.keep_relationships(week)
        version = self.schedule.phase(week)[self.channel.region]
        self.channel.reset_week()
        self.channel.plan.plan(week, self.policies)
        self.distributors.receive(week)
        self.channel.trained = np.array([p.policy.training.enabled for p in self.policies])[
            version] & (self.channel.role == Role.PARTNER)
        new = self.customers.raise_needs(self.deals, week)
        self.ledger.add("deals_created", len(new))
        self.specify(new, week)
        self.trade(self.deals.due(week), week)
        announced = self.schedule.announced(week)[self.channel.region]
        self.replenish(week, version, announced)
        self.incentives.accrue(week, version, self.channel, self.policies, self.ledger)
        self.motivation.review_tiers(week, version)
        for j in self.motivation.update(week, version, announced, self.deals):
            self._views[j].defect()
        self.competitor.respond()
        stock_prices = self.distributors.unit_prices(self.channel, self.policies, version)
        self.last = self.ledger.close_week(week, self.channel,
                                           *self.distributors.inventory(stock_prices))

    # -- what happens in it -------------------------------------------------------------
    def roll_out(self, week: int) -> None:
        """Regions switching to the strategy this week get its network changes."""
        regions = self.schedule.switching(week)
        if len(regions) and self.spec.rollout is not None:
            apply_network_changes(self.spec.rollout.network_changes, regions, self.channel,
                                  self._views, week)

    def keep_relationships(self, week: int) -> None:
        """Customers whose supplier the rules in force for them now bar lose it (counted).

        The rules are the territory, segment and account rules of the policy a deal of the
        customer would be decided under this week (grandfathering included); product-line
        rules bar an offer, not a customer, and break no relationship.
        """
        cust, ch = self.customers, self.channel
        today_everywhere = not self.schedule.phase(week).any()

        def may_serve(c: np.ndarray, j: np.ndarray) -> np.ndarray:
            if today_everywhere:             # one version for everyone: a flat lookup
                allowed = self.policies[0].allowed                    # [A, R, S]
                cells = allowed.shape[1] * allowed.shape[2]
                return allowed.ravel().take(j * cells + self._customer_cell[c])
            reg, seg = cust.region[c], cust.segment[c]
            v = self.schedule.deal_versions(week, reg, seg, np.ones(len(c), dtype=np.int64),
                                            np.ones(len(c), dtype=bool))
            ok = np.zeros(len(c), dtype=bool)
            for k, pol in enumerate(self.policies):
                m = v == k
                if m.all():                  # one version for everyone (most weeks)
                    return pol.allowed[j, reg, seg]
                ok[m] = pol.allowed[j[m], reg[m], seg[m]]
            return ok

        barred, lost = cust.lose_barred(may_serve, ch.n)
        if len(barred):
            self.ledger.broken(ch.role[lost], cust.segment[barred])

    def specify(self, rows: np.ndarray, week: int) -> None:
        """New project deals enter specification under the policy of their region now."""
        rows = rows[self.deals.segment[rows] == Segment.PROJECT]
        if len(rows) == 0:
            return
        v = self.schedule.phase(week)[self.deals.region[rows]]
        self.deals.version[rows] = v
        for k, pol in enumerate(self.policies):
            part = rows[v == k]
            if len(part) == 0:
                continue
            credited = self.partners.specify(part, k, pol, self.deals)
            got = credited[credited >= 0]
            if pol.policy.spec_in_bonus > 0 and len(got):
                bonus = np.full(len(got), pol.policy.spec_in_bonus)
                self.ledger.turnover("partner", -bonus, self.channel.region[got])
                self.ledger.add("rebates", bonus.sum())
                kernels.add_at_1d(self.channel.week["incentives"], got, bonus)
            np.add.at(self.channel.week["spec_ins"], got, 1.0)

    def trade(self, rows: np.ndarray, week: int) -> None:
        """The deals due this week: bid for, chosen and settled, each under its policy."""
        if len(rows) == 0:
            self.competitor.observe(week, 0, 0)
            return
        deals, ch = self.deals, self.channel
        inc = self.customers.incumbent[deals.customer[rows]]
        v = self.schedule.deal_versions(week, deals.region[rows], deals.segment[rows],
                                        deals.version[rows], (inc >= 0) & (inc < ch.n))
        for k, pol in enumerate(self.policies):
            part = rows[v == k]
            if len(part) == 0:
                continue
            offers = ch.bid(part, k, pol, deals,
                            self.customers.incumbent[deals.customer[part]], self.distributors)
            chosen = self.customers.choose(offers, deals, self.competitor, self.catalogue, ch.n)
            settle(chosen, pol, deals, ch, self.customers, self.distributors, self.ledger,
                   self.catalogue)
        ch.team.decided(deals)
        self.competitor.observe(week, np.count_nonzero(deals.winner[rows] == ch.n), len(rows))

    def replenish(self, week: int, version: np.ndarray, announced: np.ndarray) -> None:
        """Distributors order up to their level: the manufacturer's sell-in."""
        ds = self.distributors
        if len(ds.agents) == 0:
            return
        q, unit_price = ds.replenish(week, self.channel, self.policies, version, announced,
                                     self.incentives)
        money = (q * unit_price).sum(axis=1)
        self.ledger.turnover("distributor", money, self.channel.region[ds.agents])
        self.ledger.add("cogs", q * self.catalogue.unit_cost)
        self.channel.week["purchases"][ds.agents] += money
        self.channel.week["margin_money"][ds.agents] -= ds.holding   # required extra stock

    # -- agents and outputs -------------------------------------------------------------
    def channel_agent(self, j: int):
        """The Mesa agent of channel row ``j``."""
        return self._views[j]

    def kpis(self):
        """Weekly KPIs, one row per recorded week."""
        return self.ledger.tables(self.channel)["kpis"]

    def tables(self):
        """The output tables: kpis, by_region, conflicts, agents, flows and deals."""
        led = self.ledger
        return {**led.tables(self.channel),
                "deals": self.deals.table(led.recorded, led.region_names)}
