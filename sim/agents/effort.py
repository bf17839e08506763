"""How each channel agent spends its week's effort, and the reach it buys (``sim.rules.effort``).

Every week each agent's budget (``behaviour.effort``: size and commitment for a reseller,
``network.rep_deals_per_week`` for a rep; the marketplace needs none) is spread over the
(region, segment) cells it may pursue under the policy in force, in proportion to what it
expects there: ``base reach x distance x expected deals x deal value x expected margin``
(x the policy's weight for a rep's unassigned accounts). An agent allowed only some product
lines (``policy.product_roles``) counts only their deals and their value: its effort per
opportunity is that on the deals it may sell. The result is, per policy, a table
``reach[R, S, A]``: the chance agent ``a`` hears of one deal of cell ``(r, s)`` of a line
it may sell.
"""

from __future__ import annotations

import numpy as np

from sim.agents.effort_jit import reach_table, spread
from sim.rules import effort as rules
from sim.vocab import SEGMENTS, WEEKS_PER_YEAR, Role, Segment, State


class EffortPlan:
    """The week's effort of every agent and the reach tables it gives, per policy."""

    def __init__(self, sc, channel, customers, catalogue):
        self.settings = sc.behaviour.effort
        self.max_reach = sc.behaviour.reach.max_reach
        self.rep_budget = sc.network.rep_deals_per_week
        self.growth = sc.market.growth
        self.channel = channel
        self.season = customers.season
        n_regions = len(sc.market.regions)
        # expected deals per week in each cell at week 0: customers there x their rate
        counts = np.zeros((n_regions, len(SEGMENTS)))
        np.add.at(counts, (customers.region, customers.segment), 1.0)
        rate = np.array([sc.market.deal_rate[s] for s in SEGMENTS])
        self.arrivals = counts * rate[None, :]
        mix = np.array([[p.mix.get(s, 0.0) for p in sc.products] for s in SEGMENTS])
        list_price = (mix * catalogue.list_price[None, :]).sum(axis=1) / np.maximum(
            mix.sum(axis=1), 1e-12)
        # shares of a segment's deals, and of their list value, by product line [S, P]
        self.line_deals = mix / np.maximum(mix.sum(axis=1, keepdims=True), 1e-12)
        value = mix * catalogue.list_price[None, :]
        self.line_value = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-12)
        units = np.array([sc.market.deal_size[s].units_mean for s in SEGMENTS])
        self.street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
        self.deal_value = units * list_price * (1.0 - self.street)  # money per deal
        # the highest reach an agent could have in each cell: role, segment and distance
        geo = channel.geo[:, channel.region]                         # [R, A]
        # [R, S, A], in C order as the compiled plan is built for (same numbers)
        self.ceiling = np.ascontiguousarray(channel.base_reach.T[None, :, :] * geo[:, None, :])
        self._done: dict[int, tuple] = {}
        self._masks: dict[int, np.ndarray] = {}
        self._kept: dict[int, tuple] = {}      # per policy: see _per_deal

    def budget(self) -> np.ndarray:
        """Each agent's effort budget this week (opportunity-equivalents; 0 out of contract)."""
        ch, s = self.channel, self.settings
        b = rules.budget(ch.size, ch.commitment, s.budget, s.exponent, s.activation)
        b = np.where(ch.role == Role.DIRECT, self.rep_budget * ch.size, b)  # size: reps
        working = (ch.state == State.ACTIVE) | (ch.state == State.ON_PAPER)
        return np.where(working & (ch.role != Role.MARKETPLACE), b, 0.0)

    def expected_margin(self, pol) -> np.ndarray:
        """``[A, S]`` the margin an agent expects on a deal of each segment (1 for a rep)."""
        ch = self.channel
        d = pol.purchase_discount(ch, np.arange(ch.n))
        m = 1.0 - (1.0 - d[:, None]) / (1.0 - self.street[None, :])
        m = np.maximum(m, ch.margin_floor[:, None])
        return np.where(ch.channel_partners()[:, None], m, 1.0)

    def plan(self, week: int, policies) -> None:
        """Start this week's plan: budgets now; each policy's spread when first asked for."""
        ch = self.channel
        self.grown = self.arrivals * ((1.0 + self.growth) ** (week / float(WEEKS_PER_YEAR))
                                      * self.season(week))
        self.week_budget = self.budget()
        self.working = (ch.state == State.ACTIVE) | (ch.state == State.ON_PAPER)
        self.policies = policies
        self._done: dict[int, tuple] = {}
        self._masks: dict[int, np.ndarray] = {}

    def _spread(self, version: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(effort ``[A, R*S]``, saturation ``[R, S, A]``, reach ``[R, S, A]``) of a policy."""
        if version in self._done:
            return self._done[version]
        pol, ch = self.policies[version], self.channel
        deals_share, per_deal = self._per_deal(pol)
        allowed = pol.allowed_cells
        # the rules' chain (allocate, per_opportunity, reach; tests/test_kernels.py keeps
        # it as the reference) in two compiled passes with the same numbers
        share = np.ones((ch.n, len(SEGMENTS))) if deals_share is None else deals_share
        effort, e = spread((self.ceiling, self.grown), self.week_budget, (per_deal[0], share),
                           pol.pursued_cells)
        sat = -np.expm1(-self.settings.k * e)                                # [R, S, A]
        table = reach_table(sat, self.ceiling, (allowed, ch.role == Role.MARKETPLACE),
                            self.max_reach)
        self._done[version] = (effort, sat, table)
        self._masks[version] = allowed
        return self._done[version]

    def table_mask(self, version: int) -> np.ndarray:
        """The ``[R, S, A]`` mask of allowed cells that ``table(version)`` is zero outside."""
        self._spread(version)
        return self._masks[version]

    def _per_deal(self, pol) -> tuple[np.ndarray | None, np.ndarray]:
        """The per-deal factor of the effort weights, and the line shares of deals.

        Returns ``[A, S]`` shares of deals (None if every line is sold) and ``[1, S, A]``
        ``deal value x expected margin x weight x value share``. Kept until the discounts,
        the masks or the agents change (the same arrays as before, compared by identity),
        since they are asked for every week.
        """
        ch = self.channel
        key = (pol._per_agent(ch), ch.role, ch.margin_floor, pol.effort_weight, pol.sells)
        kept = self._kept.get(id(pol))
        if kept is not None and all(a is b for a, b in zip(kept[0], key, strict=True)):
            return kept[1], kept[2]
        deals_share, value_share = self.line_shares(pol)                    # [A, S]
        per_deal = np.ascontiguousarray(
            self.deal_value[None, :, None]
            * (self.expected_margin(pol) * pol.effort_weight * value_share).T[None, :, :])
        shares = None if pol.sells.all() else deals_share
        self._kept[id(pol)] = (key, shares, per_deal, pol)
        return shares, per_deal

    def line_shares(self, pol) -> tuple[np.ndarray, np.ndarray]:
        """``[A, S]`` shares of each segment's deals, and of their value, an agent may sell.

        Both are 1 where the policy restricts no product line (the same arrays, so the
        arithmetic is unchanged when nothing is restricted).
        """
        sells = pol.sells
        if sells.all():
            ones = np.ones((self.channel.n, len(SEGMENTS)))
            return ones, ones
        return sells @ self.line_deals.T, sells @ self.line_value.T

    def effort(self, version: int) -> np.ndarray:
        """``[A, R*S]`` each agent's effort on each cell this week under a policy version."""
        return self._spread(version)[0]

    def saturation(self, version: int) -> np.ndarray:
        """``[R, S, A]`` the share of its ceiling each agent's effort reaches in each cell."""
        return self._spread(version)[1]

    def table(self, version: int) -> np.ndarray:
        """``[R, S, A]`` the chance each agent hears of one deal of each cell."""
        return self._spread(version)[2]

    def spec_reach(self, version: int, regions: np.ndarray) -> np.ndarray:
        """``[D, A]`` the chance each agent hears of a new project in ``regions`` (spec-in).

        Uses the effort agents spend on project cells whether or not they may sell there
        (a specifier advises; it does not sell).
        """
        sat = self.saturation(version)[regions, Segment.PROJECT]           # [D, A]
        return np.minimum(self.ceiling[regions, Segment.PROJECT] * sat, self.max_reach)
