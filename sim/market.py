"""The week's market: who hears of each deal, what they quote, and what the customer picks.

All deals decided in a week under the same policy are scored in one array operation:
rows are deals, columns are channel agents (plus the competitor as the last column).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.book import DIRECT, DIST, KIND_NAMES, MARKET, PART, ROLE_NAMES, SPECIFIER
from sim.demand import PROJECT
from sim.policy import CompiledPolicy
from sim.rng import (
    COMPETITOR_HASH_ID,
    SALT_COMPLY,
    SALT_NOISE,
    SALT_REACH,
    SALT_SPEC_IN,
    SALT_SPEC_REACH,
    hash_pairs,
    hash_uniform,
)
from sim.rules.choice import UtilityWeights, choose_among_bids, gumbel, utility
from sim.rules.commitment import ACTIVE, INACTIVE
from sim.rules.pricing import is_dumping, quote_price
from sim.scenario.market import SEGMENTS

SPEC_KINDS = [KIND_NAMES.index(k) for k in ("integrator", "project", "service", "specifier")]


@dataclass
class Offers:
    """Scored offers for a batch of ``D`` deals: the ``N`` bids as (deal, agent) pairs.

    Attributes:
        rows: the deals' rows in the deal book.
        d, a: deal position and agent of each bid (``N``), ordered by deal.
        price, cost: quoted unit price and the bidder's unit cost, per bid.
        dumping: per bid, quoted below the recommended minimum.
        z: utility plus scaled noise of each bid (what the customer maximises).
        winner: agent index per deal, or ``A`` for the competitor.
        won_bid: index into the bids of each deal's winning bid, -1 if the competitor won.

    """

    rows: np.ndarray
    d: np.ndarray
    a: np.ndarray
    price: np.ndarray
    cost: np.ndarray
    dumping: np.ndarray
    z: np.ndarray
    winner: np.ndarray
    won_bid: np.ndarray

    def bids_per_deal(self) -> np.ndarray:
        """Number of brand bids on each deal."""
        return np.bincount(self.d, minlength=len(self.rows))


class Market:
    """Reach, offers and choice, reading the model's books."""

    def __init__(self, model):
        self.m = model
        sc = model.spec
        self.sc = sc
        book = model.book
        self.list_price = np.array([p.list_price for p in sc.products])
        self.unit_cost = np.array([p.unit_cost for p in sc.products])
        self.complexity = np.array([p.complexity for p in sc.products])
        self.stocked = np.array([p.stocked for p in sc.products])
        self.street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
        self.base_reach = np.array([[sc.behaviour.reach.base[ROLE_NAMES[r]][s] for s in SEGMENTS]
                                    for r in book.role]).reshape(book.n, len(SEGMENTS))
        pr = sc.behaviour.pricing
        self.role_expertise = np.array([pr.expertise.get(r, 0.0) for r in ROLE_NAMES])
        self.kind_expertise = np.array([pr.expertise[k] for k in KIND_NAMES])
        mg = pr.margins
        self.margin_floor = np.where(book.role == DIST, mg.distributor_floor,
                                     np.where(book.role == PART, mg.partner_floor, 0.0))
        c = sc.choice
        self.weights = UtilityWeights(c.price, c.delivery, c.expertise, c.relationship,
                                      c.specification, c.brand_constant)
        self.ids = np.append(np.arange(book.n), COMPETITOR_HASH_ID)
        # Which kinds can specify, as a lookup by kind index (np.isin is slow on small
        # arrays, and this is asked every week); the extra last entry, False, is where
        # the kind -1 of agents that are not partners lands.
        self.spec_kind = np.isin(np.arange(len(KIND_NAMES) + 1), SPEC_KINDS)

    # -- effort and reach -------------------------------------------------------------
    def effort(self) -> np.ndarray:
        """Effort per agent: ``c ** exponent``, damped when inactive, 0 when out of contract."""
        book, r = self.m.book, self.sc.behaviour.reach
        e = book.commitment ** r.effort_exponent
        e = np.where(book.state == INACTIVE, r.inactive_effort * e, e)
        e = np.where((book.state == ACTIVE) | (book.state == INACTIVE), e, 0.0)
        return np.where((book.role == DIRECT) | (book.role == MARKET), 1.0, e)

    def expertise(self, pol: CompiledPolicy) -> np.ndarray:
        """Seller expertise per agent: its kind's, scaled by ``0.5 + 0.5 * c``, plus training."""
        book = self.m.book
        base = np.where(book.role == PART, self.kind_expertise[np.maximum(book.kind, 0)],
                        self.role_expertise[book.role])
        e = base * (0.5 + 0.5 * book.commitment)
        if pol.p.training.enabled:
            e = e + pol.p.training.expertise_boost * book.trained
        return np.where((book.role == DIRECT) | (book.role == MARKET), base, e)

    def reach(self, rows: np.ndarray, pol: CompiledPolicy, effort: np.ndarray) -> np.ndarray:
        """Which agents learn of each deal and may bid: ``bid[D, A]``.

        ``P(reach) = base[role, segment] * geo[region, home] * size * effort * gains``,
        raised to ``incumbent * (0.5 + 0.5 * effort)`` for the customer's own supplier,
        capped at 0.98; zero where the policy does not allow the agent to bid. Drawn from
        the deal's key, so both arms of a comparison agree.
        """
        m, book = self.m, self.m.book
        seg, reg = m.deals.segment[rows], m.deals.region[rows]
        allowed = pol.allowed.transpose(1, 2, 0) & (effort > 0)  # [R, S, A]
        by_rs = (self.base_reach.T[None, :, :] * m.geo[:, book.region][:, None, :]
                 * (book.size * effort * pol.home_gain) * pol.reach_factor.T[None, :, :])
        p = np.where(allowed, np.minimum(by_rs, 0.98), 0.0)[reg, seg]
        inc = m.customers.incumbent[m.deals.customer[rows]]
        own = np.flatnonzero((inc >= 0) & (inc < book.n))
        if len(own):
            j = inc[own]
            boost = self.sc.behaviour.reach.incumbent * (0.5 + 0.5 * effort[j])
            ok = allowed[reg[own], seg[own], j]
            p[own, j] = np.where(ok, np.maximum(p[own, j], np.minimum(boost, 0.98)), 0.0)
        bid = hash_uniform(m.deals.key[rows], self.ids[:-1], SALT_REACH) < p
        registered = m.deals.registered[rows]
        has_reg = registered >= 0
        if has_reg.any() and pol.p.deal_registration:
            # A registered project is protected: other partners do not pursue it, and the
            # partner who registered it always does.
            reg_col = registered[has_reg]
            bid[np.ix_(has_reg, book.role == PART)] = False
            bid[has_reg, reg_col] = allowed[reg[has_reg], seg[has_reg], reg_col]
        return bid

    # -- offers -----------------------------------------------------------------------
    def offers(self, rows: np.ndarray, pol: CompiledPolicy) -> Offers:
        """Quote, score and choose for every deal in ``rows`` under policy ``pol``."""
        m, book, p = self.m, self.m.book, pol.p
        deals, n_a = m.deals, book.n
        bid = self.reach(rows, pol, self.effort())
        d, a = _nonzero_2d(bid)
        keys = deals.key[rows]
        seg, prod = deals.segment[rows], deals.product[rows]
        lst_d = self.list_price[prod]
        lst, seg_b = lst_d[d], seg[d]
        registered = deals.registered[rows][d]
        project_price = (seg_b == PROJECT) & (
            (not p.deal_registration) | (registered < 0) | (registered == a))
        everyone = np.arange(n_a)
        disc = np.where(project_price, pol.purchase_discount(book, everyone, True)[a],
                        pol.purchase_discount(book, everyone, False)[a])
        role = book.role[a]
        direct_cost = 1.0 - self.sc.behaviour.pricing.margins.direct_max_discount
        cost = lst * np.where(role == DIRECT, direct_cost, 1.0 - disc)
        resale = np.zeros(len(d))
        if p.min_resale_price.enabled:
            comply = hash_pairs(keys[d], a, SALT_COMPLY) < p.min_resale_price.enforcement
            level = np.array([p.min_resale_price.level[s] for s in SEGMENTS])[seg_b]
            resale = np.where(comply, level * lst, 0.0)
        rivals = np.maximum(np.bincount(d, minlength=len(rows)) - 1, 0)[d]
        price = quote_price(lst, cost, self.street[seg_b], rivals,
                            self.sc.behaviour.pricing.margins.price_war_step,
                            self.margin_floor[a], resale)
        price = np.where(role == MARKET,
                         np.maximum(lst * (1.0 - p.marketplace.price_discount), resale), price)
        floor = np.array([p.recommended_min_price[s] for s in SEGMENTS])[seg_b]
        dumping = is_dumping(price, lst, floor)
        inc = m.customers.incumbent[deals.customer[rows]]
        spec = deals.spec[rows].astype(float)
        cx = self.complexity[prod]
        u_bid = utility(self.weights, price / lst, self.delivery(rows, pol, d, a), cx[d],
                        self.expertise(pol)[a], (inc[d] == a).astype(float), spec[d], 1.0)
        comp = self.sc.competitor
        comp_price = 1.0 - self.street[seg] - comp.aggressiveness * comp.max_extra_discount
        comp_delivery = np.where(self.stocked[prod], comp.delivery_weeks,
                                 self.sc.behaviour.pricing.made_to_order_weeks)
        u_comp = utility(self.weights, comp_price, comp_delivery, cx, comp.expertise,
                         (inc == n_a).astype(float), -spec, 0.0)
        scale = self.sc.choice.noise_scale
        z_bid = u_bid + scale * gumbel(hash_pairs(keys[d], a, SALT_NOISE))
        z_comp = u_comp + scale * gumbel(hash_pairs(
            keys, np.full(len(rows), COMPETITOR_HASH_ID), SALT_NOISE))
        best, takes = choose_among_bids(d, z_bid, z_comp)
        won_bid = np.where(takes, best, -1)
        winner = np.where(takes, a[np.maximum(won_bid, 0)] if len(a) else n_a, n_a)
        return Offers(rows, d, a, price, cost, dumping, z_bid, winner, won_bid)

    def delivery(self, rows: np.ndarray, pol: CompiledPolicy, d: np.ndarray,
                 a: np.ndarray) -> np.ndarray:
        """Delivery time (weeks) each bidder can promise: from stock, factory or to order."""
        m, book, pr = self.m, self.m.book, self.sc.behaviour.pricing
        prod, units = m.deals.product[rows][d], m.deals.units[rows][d]
        stocked = self.stocked[prod]
        lead = self.sc.behaviour.inventory.lead_time
        base = np.where(book.role[a] == MARKET, pr.in_stock_weeks, pr.factory_weeks)
        # Distributors ship from their own stock; two-tier dealers from their distributor's,
        # a week later.
        is_dist = book.role[a] == DIST
        dealer = pol.two_tier_mask(book, a)
        source = np.where(is_dist, a, np.where(dealer, book.supplier[a], -1))
        from_stock = source >= 0
        if from_stock.any():
            srow = m.stock.rows(source[from_stock])
            have = m.stock.on_hand[srow, prod[from_stock]] >= units[from_stock]
            weeks = np.where(have, pr.in_stock_weeks, pr.in_stock_weeks + lead)
            base[from_stock] = weeks + np.where(dealer[from_stock], 1.0, 0.0)
        return np.where(stocked, base, pr.made_to_order_weeks)

    # -- specification phase ----------------------------------------------------------
    def specify(self, rows: np.ndarray, pol: CompiledPolicy) -> np.ndarray:
        """Project deals entering their specification phase: spec-in and registration.

        Partners that can specify (integrators, project and service companies, specifiers)
        hear of the project with probability ``base[partner, project] * geo * size *
        effort``; each that does specs the brand in with probability ``spec_in * c *
        (1 + 0.5 * trained) * (1 + bonus / (bonus + half))``. Where nobody does, the
        competitor is specified with probability ``competitor_spec_in``. With deal
        registration, the reached selling partner with the strongest claim registers it.

        Returns:
            The agent credited with each spec-in (-1 where none), for the spec-in bonus.

        """
        m, book, p = self.m, self.m.book, pol.p
        deals = m.deals
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int64)
        effort = self.effort()
        reg = deals.region[rows]
        can = (book.role == PART) & self.spec_kind[book.kind] & (effort > 0)
        prob = (self.base_reach[:, PROJECT][None, :] * m.geo[reg][:, book.region]
                * book.size * effort)
        prob = np.minimum(prob, 0.98) * can
        keys = deals.key[rows]
        reached = hash_uniform(keys, self.ids[:-1], SALT_SPEC_REACH) < prob
        pr = self.sc.behaviour.pricing
        bonus = p.spec_in_bonus / (p.spec_in_bonus + pr.spec_bonus_half) if p.spec_in_bonus else 0
        p_spec = pr.spec_in * book.commitment * (1.0 + 0.5 * book.trained) * (1.0 + bonus)
        u_spec = hash_uniform(keys, self.ids, SALT_SPEC_IN)
        success = reached & (u_spec[:, :-1] < np.minimum(p_spec, 1.0))
        score = np.where(success, prob - u_spec[:, :-1], -np.inf)
        any_spec = success.any(axis=1)
        credited = np.where(any_spec, _argmax_rows(score), -1)
        comp_spec = ~any_spec & (u_spec[:, -1] < pr.competitor_spec_in)
        deals.spec[rows] = np.where(any_spec, 1, np.where(comp_spec, -1, 0))
        deals.spec_agent[rows] = credited
        if p.deal_registration:
            sellers = reached & (book.kind[None, :] != SPECIFIER)
            claim = np.where(sellers, prob - u_spec[:, :-1], -np.inf)
            deals.registered[rows] = np.where(sellers.any(axis=1), _argmax_rows(claim), -1)
        return credited



def _nonzero_2d(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-d mask: (row, column) of its true entries in row-major order.

    Computed from the flat positions, which for a mask of deals by agents is several
    times faster than ``np.nonzero`` and gives the same arrays.
    """
    n_cols = mask.shape[1]
    if n_cols == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return np.divmod(np.flatnonzero(mask), n_cols)


def _argmax_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise argmax that also works when there are no columns (no agents)."""
    return np.argmax(a, axis=1) if a.shape[1] else np.zeros(a.shape[0], dtype=np.int64)
