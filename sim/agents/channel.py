"""The channel agents: distributors, partners, direct reps and the marketplace listing.

One population holds every channel agent's row (arrays indexed by agent; the Mesa agents
of ``sim.agents.views`` are views on them) and makes their weekly decisions about deals:
the effort each puts into the market, which deals it hears of and bids on (reach), and
what it quotes (pricing). Indices are stable for the whole run: an agent that leaves
keeps its row with a state that bars it from the market.

Formulas and assumptions: ``docs/model.md`` (reach, quoting).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.market.deals import DealBook, Offers
from sim.market.policy import CompiledPolicy
from sim.rng import COMPETITOR_HASH_ID, SALT_COMPLY, SALT_REACH, hash_pairs
from sim.rng_jit import hash_below, hash_below_cells
from sim.rules.pricing import is_dumping, quote_price
from sim.scenario import Scenario
from sim.vocab import KINDS, ROLES, SEGMENTS, WEEKS_PER_YEAR, Kind, Role, Segment, State

TRAIL = WEEKS_PER_YEAR  # weeks of sell-through kept for concentration and tier reviews


def _nonzero_2d(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-d mask: (row, column) of its true entries in row-major order.

    Computed from the flat positions, which for a mask of deals by agents is several
    times faster than ``np.nonzero`` and gives the same arrays.
    """
    n_cols = mask.shape[1]
    if n_cols == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return np.divmod(np.flatnonzero(mask), n_cols)


@dataclass
class ChannelAgents:
    """Every channel agent's row, and the decisions they take on the week's deals."""

    role: np.ndarray
    kind: np.ndarray  # partner kind (``sim.vocab.Kind``), -1 for other roles
    region: np.ndarray
    size: np.ndarray
    alt_margin: np.ndarray
    commitment: np.ndarray
    state: np.ndarray
    tier: np.ndarray
    supplier: np.ndarray  # a dealer's distributor in two-tier buying, -1 if none
    names: list[str]
    trained: np.ndarray = field(init=False)
    weeks_low: np.ndarray = field(init=False)
    commitment_ref: np.ndarray = field(init=False)
    margin_real: np.ndarray = field(init=False)
    margin_ref: np.ndarray = field(init=False)
    sell_through_ewma: np.ndarray = field(init=False)
    purchases_ewma: np.ndarray = field(init=False)
    incentives_ewma: np.ndarray = field(init=False)
    conflicts_lost_ewma: np.ndarray = field(init=False)
    trailing: np.ndarray = field(init=False)  # [TRAIL, n] weekly sell-through ring
    week: dict[str, np.ndarray] = field(init=False)  # this week's per-agent counters

    WEEKLY = ("sell_through", "margin_money", "purchases", "incentives", "conflicts_lost",
              "units_won", "deals_won", "spec_ins")

    def __post_init__(self) -> None:
        n = len(self.role)
        self.trained = np.zeros(n, dtype=bool)
        self.weeks_low = np.zeros(n, dtype=np.int64)
        self.commitment_ref = self.commitment.copy()
        self.margin_real = np.zeros(n)
        self.margin_ref = np.zeros(n)
        self.sell_through_ewma = np.zeros(n)
        self.purchases_ewma = np.zeros(n)
        self.incentives_ewma = np.zeros(n)
        self.conflicts_lost_ewma = np.zeros(n)
        self.trailing = np.zeros((TRAIL, n))
        self.week = {k: np.zeros(n) for k in self.WEEKLY}
        self.last_active = np.zeros(n, dtype=np.int64)    # last week it sold, bought, ...
        self.registrations = np.zeros(n)                 # open registered projects it holds
        self.ids = np.append(np.arange(n), COMPETITOR_HASH_ID)
        self.revision = 0                                # bumped when a kind changes
        # what a client's roster says of each agent (sim.world); defaults for a drawn network
        self.labels = list(self.names)                   # names as the client writes them
        self.named_supplier = np.full(n, -1, dtype=np.int64)   # a dealer's own distributor
        self.serves = np.ones((n, len(SEGMENTS)), dtype=bool)  # segments it works
        self.reps = np.ones(n)                           # reps in a direct team
        self.stock_weeks = np.full(n, np.nan)            # starting stock, weeks of sales
        self.roster_sold = np.full(n, np.nan)            # last year's sales per the roster
        self.standing = self.size                        # who is "biggest" for a dealer

    def configure(self, sc: Scenario, geo: np.ndarray, catalogue) -> None:
        """Read the behavioural settings the agents' decisions use."""
        r, pr = sc.behaviour.reach, sc.behaviour.pricing
        self.reach_settings = r
        self.geo = geo
        self.catalogue = catalogue
        self.street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
        self.base_reach = np.array([[r.base[ROLES[x]][s] for s in SEGMENTS]
                                    for x in self.role]).reshape(self.n, len(SEGMENTS))
        self.base_reach = self.base_reach * self.serves  # a roster's segments it does not work
        self.role_expertise = np.array([pr.expertise.get(x, 0.0) for x in ROLES])
        self.kind_expertise = np.array([pr.expertise[k] for k in KINDS])
        self.expertise_commitment = pr.expertise_commitment_share
        mg = pr.margins
        self.margins = mg
        self.margin_floor = np.where(self.role == Role.DISTRIBUTOR, mg.distributor_floor,
                                     np.where(self.role == Role.PARTNER, mg.partner_floor, 0.0))
        self.pricing = pr

    @property
    def n(self) -> int:
        """Number of channel agents (the competitor's option index)."""
        return len(self.role)

    @property
    def competitor(self) -> int:
        """Index used for the competitor brand in choices and incumbency."""
        return len(self.role)

    def contracted(self) -> np.ndarray:
        """Mask of distributors and partners under contract (active or on paper).

        Read-only: kept until the states (compared by content) or the roles change, as the
        week asks for it several times.
        """
        key = (self.role, self.state.tobytes())
        kept = self.__dict__.get("_contracted")
        if kept is None or kept[0][0] is not key[0] or kept[0][1] != key[1]:
            mask = self.channel_partners() & ((self.state == State.ACTIVE)
                                              | (self.state == State.ON_PAPER))
            mask.flags.writeable = False
            kept = self._contracted = (key, mask)
        return kept[1]

    def channel_partners(self) -> np.ndarray:
        """Mask of distributors and partners (the agents whose commitment moves)."""
        return (self.role == Role.DISTRIBUTOR) | (self.role == Role.PARTNER)

    def reset_week(self) -> None:
        """Zero this week's counters."""
        for arr in self.week.values():
            arr.fill(0.0)

    # -- effort and reach -----------------------------------------------------------------
    def expertise(self, pol: CompiledPolicy) -> np.ndarray:
        """Seller expertise per agent: its kind's, scaled by commitment, plus training.

        ``e = base * ((1 - s) + s * c)`` with ``s`` the share of expertise that follows
        commitment (``behaviour.pricing.expertise_commitment_share``).
        """
        base = np.where(self.role == Role.PARTNER, self.kind_expertise[np.maximum(self.kind, 0)],
                        self.role_expertise[self.role])
        s = self.expertise_commitment
        e = base * ((1.0 - s) + s * self.commitment)
        if pol.policy.training.enabled:
            e = e + pol.policy.training.expertise_boost * self.trained
        return np.where((self.role == Role.DIRECT) | (self.role == Role.MARKETPLACE), base, e)

    def reach(self, rows: np.ndarray, version: int, pol: CompiledPolicy, deals: DealBook,
              incumbent: np.ndarray) -> np.ndarray:
        """Which agents learn of each deal and may bid: ``bid[D, A]``.

        The chance is the effort plan's (``sim.agents.effort``: ``b (1 - exp(-k e))`` for
        the agent's effort ``e`` on one opportunity of the deal's cell), raised for the
        customer's own supplier to ``incumbent x ((1 - s) + s x saturation)`` (``s``:
        ``behaviour.reach.incumbent_effort_share``; the saturation is that of the same
        effort), capped at ``max_reach``; zero where the policy does not allow the agent to
        bid (territory, segment and product-line rules). Drawn from the deal's key, so both
        arms of a comparison agree. Reps bid on a project only if they hold it (they heard
        of it at its specification).

        Args:
            rows: the deals' rows in the book.
            version: the policy version they are decided under (0 today's, 1 the strategy's).
            pol: that policy.
            deals: the deal book.
            incumbent: each deal's customer's incumbent (an agent, the competitor or -1).

        """
        r = self.reach_settings
        cap = r.max_reach
        seg, reg = deals.segment[rows], deals.region[rows]
        allowed = pol.allowed_cells
        can = allowed[reg, seg]                                 # [D, A] rules of the cell
        table = self.plan.table(version)
        # where the plan's table is already 0 wherever the cell's rules bar an agent (the
        # rules did not change since the plan, every line is sold), the draw reads it in
        # place; else the chances are masked here
        dense = not pol.sells.all() or self.plan.table_mask(version) is not allowed
        if not pol.sells.all():                                 # and of the product line
            can = can & pol.sells.T[deals.product[rows]]
        p = np.where(can, table[reg, seg], 0.0) if dense else None
        own = ((incumbent >= 0) & (incumbent < self.n)).nonzero()[0]
        own_agent, own_p = np.full(len(rows), -1, dtype=np.int64), np.zeros(len(rows))
        if len(own):
            j = incumbent[own]
            s = r.incumbent_effort_share
            sat = self.plan.saturation(version)[reg[own], seg[own], j]
            boost = r.incumbent * ((1.0 - s) + s * sat)
            ok = can[own, j] & self.plan.working[j]
            p_own = p[own, j] if dense else table[reg[own], seg[own], j]
            own_p[own] = np.where(ok, np.maximum(p_own, np.minimum(boost, cap)), 0.0)
            own_agent[own] = j
        # the same uniform per deal and agent, hashed only where the chance is above 0 (a
        # uniform is never below 0, so the same mask), in one compiled pass
        keys, ids = deals.key[rows], self.ids[: self.n]
        if dense:
            p[own, own_agent[own]] = own_p[own]
            bid = hash_below(keys, ids, SALT_REACH, p)
        else:
            bid = hash_below_cells(keys, ids, SALT_REACH, table, (reg, seg), (own_agent, own_p))
        projects = seg == Segment.PROJECT
        if projects.any() and len(self.team.reps):
            self.team.bid_on_held(rows, projects, can, bid)
        registered = deals.registered[rows]
        has_reg = registered >= 0
        if has_reg.any() and pol.policy.deal_registration:
            # A registered project is protected: other partners do not pursue it, and the
            # partner who registered it always does.
            reg_col = registered[has_reg]
            bid[np.ix_(has_reg, self.role == Role.PARTNER)] = False
            bid[has_reg, reg_col] = can[has_reg, reg_col]
        return bid

    # -- offers -------------------------------------------------------------------------
    def bid(self, rows: np.ndarray, version: int, pol: CompiledPolicy, deals: DealBook,
            incumbent: np.ndarray, distributors) -> Offers:
        """Every offer on the deals in ``rows`` under ``pol``: who bids and at what price.

        Args:
            rows: the deals' rows in the book.
            version: the policy version (0 today's, 1 the strategy's).
            pol: that policy.
            deals: the deal book.
            incumbent: each deal's customer's incumbent.
            distributors: the distributors' population (stock decides delivery times).

        """
        p = pol.policy
        bid = self.reach(rows, version, pol, deals, incumbent)
        d, a = _nonzero_2d(bid)
        keep = self.team.within_capacity(d, a, rows, deals)
        d, a = d[keep], a[keep]
        support = None
        if p.co_selling.enabled and len(self.team.reps):
            d, a, support = self.co_sell(rows, d, a, deals, incumbent, p.co_selling)
        keys = deals.key[rows]
        seg, prod = deals.segment[rows], deals.product[rows]
        lst_d = self.catalogue.list_price[prod]
        lst, seg_b = lst_d[d], seg[d]
        registered = deals.registered[rows][d]
        project_price = (seg_b == Segment.PROJECT) & (
            (not p.deal_registration) | (registered < 0) | (registered == a))
        disc = np.where(project_price, pol.purchase_discount(self, a, True),
                        pol.purchase_discount(self, a, False))
        role = self.role[a]
        direct_cost = 1.0 - self.margins.direct_max_discount
        cost = lst * np.where(role == Role.DIRECT, direct_cost, 1.0 - disc)
        resale = np.zeros(len(d))
        if p.min_resale_price.enabled:
            comply = hash_pairs(keys[d], a, SALT_COMPLY) < p.min_resale_price.enforcement
            level = np.array([p.min_resale_price.level[s] for s in SEGMENTS])[seg_b]
            resale = np.where(comply, level * lst, 0.0)
        rivals = np.maximum(np.bincount(d, minlength=len(rows)) - 1, 0)[d]
        price = quote_price(lst, cost, self.street[seg_b], rivals, self.margins.price_war_step,
                            self.margin_floor[a], resale)
        price = np.where(role == Role.MARKETPLACE,
                         np.maximum(lst * (1.0 - p.marketplace.price_discount), resale), price)
        floor = np.array([p.recommended_min_price[s] for s in SEGMENTS])[seg_b]
        dumping = is_dumping(price, lst, floor)
        delivery = distributors.delivery(self, pol, prod[d], deals.units[rows][d], a)
        return Offers(rows, d, a, price, cost, dumping, delivery, self.expertise(pol)[a],
                      support=support)

    def co_sell(self, rows: np.ndarray, d: np.ndarray, a: np.ndarray, deals: DealBook,
                incumbent: np.ndarray, cs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reps support the partner holding a deal instead of bidding against it.

        A deal of a co-selling segment is held by a partner when the partner registered it
        or is the customer's incumbent. Where the holder bids, every rep bid on the deal is
        withdrawn (the reps' capacity was already spent on it by the capacity check, and a
        rep books no sale of its own) and the holder's offer gains ``cs.utility`` once.

        Returns:
            The bids left (``d``, ``a``) and each one's added utility.

        """
        seg = deals.segment[rows]
        co = np.isin(seg, [Segment.of(x) for x in cs.segments])
        holder = deals.registered[rows].copy()
        by_inc = (holder < 0) & (incumbent >= 0) & (incumbent < self.n)
        holder[by_inc] = incumbent[by_inc]
        holder = np.where(co & (holder >= 0) & (self.role[np.maximum(holder, 0)] == Role.PARTNER),
                          holder, -1)
        holder_bids = holder[d] == a
        held = np.bincount(d[holder_bids], minlength=len(rows)) > 0
        rep = self.role[a] == Role.DIRECT
        withdrawn = rep & held[d]
        supported = np.bincount(d[withdrawn], minlength=len(rows)) > 0
        keep = ~withdrawn
        d, a = d[keep], a[keep]
        return d, a, np.where((holder[d] == a) & supported[d], cs.utility, 0.0)

    # -- contracts ----------------------------------------------------------------------
    def assign_suppliers(self) -> None:
        """Give each dealer the biggest contracted distributor at home (else anywhere).

        A distributor with no standing (a roster's that bought nothing) is nobody's default.
        A dealer whose roster names its distributor keeps it while that one is contracted;
        "biggest" is by size, or by last year's purchases for a client's roster.
        """
        contracted = self.contracted()
        dists = np.flatnonzero((self.role == Role.DISTRIBUTOR) & contracted)
        partners = np.flatnonzero(self.role == Role.PARTNER)
        # the same choice for every dealer of a region: one argmax per region, not per dealer
        if len(dists) == 0:
            self.supplier[partners] = -1
        else:
            anywhere = dists[np.argmax(self.standing[dists])]
            at = self.region[partners]
            for r in np.unique(at):
                # a distributor that bought nothing last year supplies no one (a roster's
                # idle distributor is dormant; its region's dealers buy elsewhere)
                home = dists[(self.region[dists] == r) & (self.standing[dists] > 0)]
                self.supplier[partners[at == r]] = (home[np.argmax(self.standing[home])]
                                                    if len(home) else anywhere)
        named = self.named_supplier[partners]
        keeps = (named >= 0) & contracted[np.maximum(named, 0)]
        self.supplier[partners[keeps]] = named[keeps]

    def retype(self, j: int, kind: str) -> None:
        """Change a partner's kind (a network change of a strategy)."""
        self.kind[j] = Kind.of(kind)
        self.revision += 1          # the policies compile their masks again
        self.assign_suppliers()
