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
from sim.rng import SALT_COMPLY, SALT_NOISE, SALT_REACH, SALT_SPEC_IN, SALT_SPEC_REACH, hash_uniform
from sim.rules.choice import UtilityWeights, choose, gumbel, utility
from sim.rules.commitment import ACTIVE, INACTIVE
from sim.rules.pricing import is_dumping, quote_price
from sim.scenario.market import SEGMENTS

SPEC_KINDS = [KIND_NAMES.index(k) for k in ("integrator", "project", "service", "specifier")]


@dataclass
class Offers:
    """Scored offers for a batch of deals (``D`` deals x ``A`` agents)."""

    rows: np.ndarray
    bid: np.ndarray
    price: np.ndarray
    cost: np.ndarray
    utility: np.ndarray  # [D, A + 1], competitor last
    noise: np.ndarray  # [D, A + 1]
    winner: np.ndarray  # agent index, or A for the competitor
    dumping: np.ndarray


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
        self.expertise0 = np.array([
            pr.expertise[KIND_NAMES[k]] if r == PART else pr.expertise[ROLE_NAMES[r]]
            for r, k in zip(book.role, book.kind, strict=True)])
        mg = pr.margins
        self.margin_floor = np.where(book.role == DIST, mg.distributor_floor,
                                     np.where(book.role == PART, mg.partner_floor, 0.0))
        c = sc.choice
        self.weights = UtilityWeights(c.price, c.delivery, c.expertise, c.relationship,
                                      c.specification, c.brand_constant)
        self.ids = np.arange(book.n + 1)

    # -- effort and reach -------------------------------------------------------------
    def effort(self) -> np.ndarray:
        """Effort per agent: ``c ** exponent``, damped when inactive, 0 when out of contract."""
        book, r = self.m.book, self.sc.behaviour.reach
        e = book.commitment ** r.effort_exponent
        e = np.where(book.state == INACTIVE, r.inactive_effort * e, e)
        e = np.where((book.state == ACTIVE) | (book.state == INACTIVE), e, 0.0)
        return np.where((book.role == DIRECT) | (book.role == MARKET), 1.0, e)

    def reach(self, rows: np.ndarray, pol: CompiledPolicy, effort: np.ndarray) -> np.ndarray:
        """Which agents learn of each deal and may bid: ``bid[D, A]``.

        ``P(reach) = base[role, segment] * geo[region, home] * size * effort * gains``,
        raised to ``incumbent * (0.5 + 0.5 * effort)`` for the customer's own supplier,
        capped at 0.98; drawn from the deal's key so both arms of a comparison agree.
        """
        m, book = self.m, self.m.book
        seg, reg = m.deals.segment[rows], m.deals.region[rows]
        inc = m.customers.incumbent[m.deals.customer[rows]]
        p = (self.base_reach[:, seg].T * m.geo[reg][:, book.region] * book.size
             * (effort * pol.home_gain) * pol.reach_factor[:, seg].T)
        own = inc[:, None] == self.ids[None, :-1]
        p = np.where(own, np.maximum(p, self.sc.behaviour.reach.incumbent * (0.5 + 0.5 * effort)),
                     p)
        p = np.minimum(p, 0.98)
        allowed = pol.allowed[:, reg, seg].T & (effort > 0)
        u = hash_uniform(m.deals.key[rows], self.ids[:-1], SALT_REACH)
        bid = allowed & (u < p)
        registered = m.deals.registered[rows]
        has_reg = registered >= 0
        if has_reg.any() and pol.p.deal_registration:
            # A registered project is protected: other partners do not pursue it, and the
            # partner who registered it always does.
            reg_col = registered[has_reg]
            bid[np.ix_(has_reg, book.role == PART)] = False
            bid[has_reg, reg_col] = allowed[has_reg, reg_col]
        return bid

    # -- offers -----------------------------------------------------------------------
    def offers(self, rows: np.ndarray, pol: CompiledPolicy) -> Offers:
        """Quote, score and choose for every deal in ``rows`` under policy ``pol``."""
        m, book, p = self.m, self.m.book, pol.p
        deals = m.deals
        effort = self.effort()
        bid = self.reach(rows, pol, effort)
        seg, prod = deals.segment[rows], deals.product[rows]
        lst = self.list_price[prod][:, None]
        n_a = book.n
        agents = np.arange(n_a)[None, :]
        registered = deals.registered[rows][:, None]
        project_price = (seg == PROJECT)[:, None] & (
            (not p.deal_registration) | (registered < 0) | (registered == agents))
        all_agents = np.arange(n_a)
        disc = np.where(project_price, pol.purchase_discount(book, all_agents, True)[None, :],
                        pol.purchase_discount(book, all_agents, False)[None, :])
        cost = lst * (1.0 - disc)
        direct_cost = lst * (1.0 - self.sc.behaviour.pricing.margins.direct_max_discount)
        is_direct = book.role == DIRECT
        cost = np.where(is_direct, direct_cost, cost)
        resale = np.zeros_like(cost)
        if p.min_resale_price.enabled:
            comply = hash_uniform(deals.key[rows], self.ids[:-1], SALT_COMPLY)
            level = np.array([p.min_resale_price.level[s] for s in SEGMENTS])[seg][:, None]
            resale = np.where(comply < p.min_resale_price.enforcement, level * lst, 0.0)
        rivals = np.maximum(bid.sum(axis=1) - 1, 0)[:, None]
        price = quote_price(lst, cost, self.street[seg][:, None], rivals,
                            self.sc.behaviour.pricing.margins.price_war_step,
                            self.margin_floor[None, :], resale)
        mkt = book.role == MARKET
        price = np.where(mkt, np.maximum(lst * (1.0 - p.marketplace.price_discount), resale), price)
        floor = np.array([p.recommended_min_price[s] for s in SEGMENTS])[seg][:, None]
        dumping = bid & is_dumping(price, lst, floor)
        delivery = self.delivery(rows, pol)
        expertise = self.expertise0 * (0.5 + 0.5 * book.commitment)
        if p.training.enabled:
            expertise = expertise + p.training.expertise_boost * book.trained
        expertise = np.where((book.role == DIRECT) | mkt, self.expertise0, expertise)
        inc = m.customers.incumbent[deals.customer[rows]]
        spec = deals.spec[rows].astype(float)
        cx = self.complexity[prod]
        u_brand = utility(self.weights, price / lst, delivery, cx[:, None], expertise[None, :],
                          (inc[:, None] == agents).astype(float), spec[:, None], 1.0)
        comp = self.sc.competitor
        comp_price = 1.0 - self.street[seg] - comp.aggressiveness * comp.max_extra_discount
        comp_delivery = np.where(self.stocked[prod], comp.delivery_weeks,
                                 self.sc.behaviour.pricing.made_to_order_weeks)
        u_comp = utility(self.weights, comp_price, comp_delivery, cx, comp.expertise,
                         (inc == n_a).astype(float), -spec, 0.0)
        u_all = np.concatenate([u_brand, u_comp[:, None]], axis=1)
        available = np.concatenate([bid, np.ones((len(rows), 1), dtype=bool)], axis=1)
        noise = gumbel(hash_uniform(deals.key[rows], self.ids, SALT_NOISE))
        winner = choose(u_all, noise, available, self.sc.choice.noise_scale)
        return Offers(rows, bid, price, cost, u_all, noise, winner, dumping)

    def delivery(self, rows: np.ndarray, pol: CompiledPolicy) -> np.ndarray:
        """Delivery time (weeks) each agent can promise for each deal, ``[D, A]``."""
        m, book, pr = self.m, self.m.book, self.sc.behaviour.pricing
        prod, units = m.deals.product[rows], m.deals.units[rows]
        stocked = self.stocked[prod][:, None]
        lead = self.sc.behaviour.inventory.lead_time
        base = np.where(book.role == MARKET, pr.in_stock_weeks, pr.factory_weeks)
        out = np.where(stocked, base[None, :], pr.made_to_order_weeks)
        dists = m.stock.agents
        if len(dists):
            have = m.stock.on_hand[:, prod].T >= units[:, None]  # [D, n_dist]
            weeks = np.where(have, pr.in_stock_weeks, pr.in_stock_weeks + lead)
            out[:, dists] = np.where(stocked, weeks, pr.made_to_order_weeks)
            dealers = np.flatnonzero(pol.two_tier_mask(book, np.arange(book.n)))
            if len(dealers):
                sup_rows = m.stock.rows(book.supplier[dealers])
                out[:, dealers] = np.where(stocked, weeks[:, sup_rows] + 1.0,
                                           pr.made_to_order_weeks)
        return out

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
        can = (book.role == PART) & np.isin(book.kind, SPEC_KINDS) & (effort > 0)
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
        credited = np.where(any_spec, np.argmax(score, axis=1), -1)
        comp_spec = ~any_spec & (u_spec[:, -1] < pr.competitor_spec_in)
        deals.spec[rows] = np.where(any_spec, 1, np.where(comp_spec, -1, 0))
        deals.spec_agent[rows] = credited
        if p.deal_registration:
            sellers = reached & (book.kind[None, :] != SPECIFIER)
            claim = np.where(sellers, prob - u_spec[:, :-1], -np.inf)
            deals.registered[rows] = np.where(sellers.any(axis=1), np.argmax(claim, axis=1), -1)
        return credited

