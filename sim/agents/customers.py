"""The customers: where they are, whom they buy from, the deals they raise, and their choice.

Only the ``demand`` stream decides who needs what, how much and when: so every arm of a
comparison sees exactly the same deals, whatever its policy. Counts are Poisson by
inversion of one uniform per customer and week, and a deal's key and attributes are hashes
of (week, customer, deal number): a setting that raises the rates adds deals and leaves
the others as they were (see :mod:`sim.rng`).

The choice is the customer's: the brand's offers on a deal form one nest against the
competitor's (a nested logit, ``sim.rules.choice.choose_nested``): the customer weighs the
brand as a whole (its best offers' inclusive value), then picks among its offers. Every
noise term is hashed from the deal's key (and the offer's agent), so two arms of a
comparison draw the same noise for the same (deal, option), whatever else they offer.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.market.deals import DealBook, Offers
from sim.rng import (
    COMPETITOR_HASH_ID,
    NEST_HASH_ID,
    SALT_DEAL,
    SALT_NEST,
    SALT_NOISE,
    deal_keys,
    hash_joined,
    hash_uniform,
    poisson_from_uniform,
)
from sim.rules.choice import UtilityWeights, choose_nested, gumbel, utility
from sim.rules.market import seasonal_factors
from sim.scenario import Scenario
from sim.vocab import SEGMENTS, WEEKS_PER_YEAR, Segment

NO_INCUMBENT = -1
# Per-deal uniforms, by column: product line, units, specification weeks, tender weeks.
_ATTRIBUTES = np.arange(4)


class Customers:
    """Every customer's row: region, segment and incumbent supplier, and their behaviour.

    Attributes:
        region, segment: where the customer is and what kind of buyer it is.
        incumbent: the channel agent it buys from now, the competitor (index ``A``, the
            number of channel agents) or ``NO_INCUMBENT``.

    """

    def __init__(self, sc: Scenario, region: np.ndarray, segment: np.ndarray, demand_rng):
        self.region = region
        self.segment = segment
        self.incumbent = np.full(len(region), NO_INCUMBENT, dtype=np.int64)
        m = sc.market
        self.rng = demand_rng
        self.stream = int(demand_rng.integers(2**63))
        self.rate = np.array([m.deal_rate[s] for s in SEGMENTS])[segment]
        self.growth = m.growth
        self.seasonality = m.seasonality
        mix = np.array([[p.mix.get(s, 0.0) for p in sc.products] for s in SEGMENTS])
        self.mix_cdf = np.cumsum(mix, axis=1) / mix.sum(axis=1, keepdims=True)
        sizes = [m.deal_size[s] for s in SEGMENTS]
        self.sigma = np.array([d.units_sigma for d in sizes])
        self.mu = np.log([d.units_mean for d in sizes]) - 0.5 * self.sigma**2
        self.spec_weeks = (int(m.spec_weeks.low), int(m.spec_weeks.high))
        self.tender_weeks = (int(m.tender_weeks.low), int(m.tender_weeks.high))
        c = sc.choice
        self.weights = UtilityWeights(c.price, c.delivery, c.expertise, c.relationship,
                                      c.specification, 0.0)
        self.brand_constant = np.array([c.brand_constant[s] for s in SEGMENTS])
        self.noise_scale = c.noise_scale
        self.brand_nest = c.brand_nest

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.region)

    def season(self, week: int) -> float:
        """The seasonal factor of deal arrival in ``week`` (1 without seasons)."""
        if self.seasonality is None:
            return 1.0
        return float(seasonal_factors(self.seasonality, np.array([week]))[0])

    # -- needs --------------------------------------------------------------------------
    def raise_needs(self, deals: DealBook, week: int) -> np.ndarray:
        """Raise this week's deals: added to the book, their rows returned.

        Deals per customer ~ Poisson(rate of its segment x (1 + growth)^(week / 52) x the
        week's seasonal factor); the
        product line follows the segment's mix; units ~ lognormal with the segment's mean;
        a project deal is decided after a specification phase and a tender, each a whole
        number of weeks drawn uniformly from its range. Everything else, the same week.
        """
        lam = self.rate * ((1.0 + self.growth) ** (week / float(WEEKS_PER_YEAR))
                           * self.season(week))
        counts = poisson_from_uniform(self.rng.random(self.n), lam)
        cust = np.repeat(np.arange(self.n), counts)
        m = len(cust)
        first = np.searchsorted(cust, cust)  # each customer's first deal (cust is sorted)
        keys = deal_keys(self.stream, week, cust, np.arange(m) - first)
        u = hash_uniform(keys, _ATTRIBUTES, SALT_DEAL)
        seg = self.segment[cust]
        product = (u[:, 0, None] > self.mix_cdf[seg]).sum(axis=1)
        units = np.maximum(1.0, np.round(np.exp(self.mu[seg] + self.sigma[seg] * ndtri(
            np.clip(u[:, 1], 1e-12, 1.0 - 1e-12)))))
        spec_lo, spec_hi = self.spec_weeks
        tender_lo, tender_hi = self.tender_weeks
        spec_w = spec_lo + (u[:, 2] * (spec_hi - spec_lo + 1)).astype(np.int64)
        tender_w = tender_lo + (u[:, 3] * (tender_hi - tender_lo + 1)).astype(np.int64)
        decide = np.where(seg == Segment.PROJECT, week + spec_w + tender_w, week)
        return deals.append(
            customer=cust, region=self.region[cust], segment=seg, product=product,
            units=units, created=week, decide=decide, key=keys,   # scalars fill every row
            spec_agent=-1, registered=-1, winner=-1,
        )

    # -- choice -------------------------------------------------------------------------
    def choose(self, o: Offers, deals: DealBook, competitor, catalogue, n_agents: int) -> Offers:
        """Pick each deal's winner: the brand's nest of offers or the competitor, then an offer.

        Utility as in :func:`sim.rules.choice.utility`: the offer's price over list, its
        delivery, the seller's expertise on the product's complexity, whether the seller is
        the customer's incumbent, the project's specification (+1 for the brand's
        offers where the brand was specified, -1 where the competitor was) and the brand's
        constant of the deal's segment (``choice.brand_constant``).
        """
        rows, d, a = o.rows, o.d, o.a
        keys, prod = deals.key[rows], deals.product[rows]
        inc = self.incumbent[deals.customer[rows]]
        spec = deals.spec[rows].astype(float)
        cx = catalogue.complexity[prod]
        lst = catalogue.list_price[prod][d]
        # the brand's constant is its deal's segment's, one value per offer
        w = self.weights   # (built directly: dataclasses.replace costs more than the rest)
        w_bid = UtilityWeights(w.price, w.delivery, w.expertise, w.relationship,
                               w.specification, self.brand_constant[deals.segment[rows]][d])
        u_bid = utility(w_bid, o.price / lst, o.delivery, cx[d], o.expertise,
                        (inc[d] == a).astype(float), spec[d], 1.0)
        if o.support is not None:   # a rep's co-selling support of the partner's offer
            u_bid = u_bid + o.support
        price_rel, delivery, expertise = competitor.offer(deals.segment[rows], prod)
        u_comp = utility(self.weights, price_rel, delivery, cx, expertise,
                         (inc == n_agents).astype(float), -spec, 0.0)
        scale, nest = self.noise_scale, self.brand_nest
        # each offer's, the competitor's and the nest's draw (hashed and transformed together,
        # element by element: the same numbers as three separate calls)
        g = gumbel(hash_joined((keys[d], a, SALT_NOISE), (keys, COMPETITOR_HASH_ID, SALT_NOISE),
                               (keys, NEST_HASH_ID, SALT_NEST)))
        n_bid, n_comp = len(d), len(d) + len(rows)     # (slices: np.split's own views)
        g_bid, g_comp, g_nest = g[:n_bid], g[n_bid:n_comp], g[n_comp:]
        best, takes = choose_nested(d, u_bid, g_bid, u_comp, g_nest, g_comp, nest, scale)
        o.won_bid = np.where(takes, best, -1)
        o.winner = np.where(takes, a[np.maximum(o.won_bid, 0)] if len(a) else n_agents,
                            n_agents)
        o.z = u_bid + nest * scale * g_bid  # the offers' ranking inside the brand nest
        return o

    def settle_winners(self, customers_of_deals: np.ndarray, winner: np.ndarray) -> None:
        """Each decided deal's winner becomes its customer's incumbent."""
        self.incumbent[customers_of_deals] = winner

    def drop_supplier(self, agent: int, to: int) -> np.ndarray:
        """Customers of ``agent`` now buy from ``to`` (the competitor, or nobody); their rows."""
        moved = np.flatnonzero(self.incumbent == agent)
        self.incumbent[moved] = to
        return moved

    def lose_barred(self, may_serve, n_agents: int) -> tuple[np.ndarray, np.ndarray]:
        """Customers whose brand supplier may no longer serve them lose it.

        Args:
            may_serve: ``may_serve(customers, agents)``: whether each agent may still sell
                to each customer under the rules in force for it (a bool per pair).
            n_agents: the number of channel agents (the competitor's index).

        Returns:
            The customers' rows and the suppliers they lost.

        """
        brand = ((self.incumbent >= 0) & (self.incumbent < n_agents)).nonzero()[0]
        if len(brand) == 0:
            return brand, brand
        ok = may_serve(brand, self.incumbent[brand])
        barred = brand[~ok]
        lost = self.incumbent[barred].copy()
        self.incumbent[barred] = NO_INCUMBENT
        return barred, lost
