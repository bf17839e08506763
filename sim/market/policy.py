"""A channel policy compiled into the arrays the market reads (who may bid, at what price)."""

from __future__ import annotations

import numpy as np

from sim.rules.pricing import stack_discounts
from sim.scenario.policy import Policy
from sim.vocab import KINDS, ROLES, SEGMENTS, TIERS, Kind, Role, Segment


def named(channel, names: list[str]) -> np.ndarray:
    """Agents whose role, or partner kind, is in ``names`` (segment and product roles)."""
    roles = [Role.of(x) for x in names if x in ROLES]
    kinds = [Kind.of(x) for x in names if x in KINDS]
    return np.isin(channel.role, roles) | ((channel.role == Role.PARTNER)
                                           & np.isin(channel.kind, kinds))



def _compiled(attr: str, doc: str) -> property:
    """A mask compiled from the policy, compiled again when the network's kinds change."""
    def get(self) -> np.ndarray:
        self._masks()
        return getattr(self, attr)

    return property(get, doc=doc)

class CompiledPolicy:
    """One policy, resolved against the network: masks and discount tables.

    The masks follow the network: they are compiled again when a partner's kind changes
    (``channel.revision``), so a retyped partner gets its new kind's rights.

    Attributes:
        policy: the policy as written in the scenario.
        allowed: ``[A, R, S]`` may agent ``a`` pursue and bid for a deal of region ``r``,
            segment ``s`` (territory and segment rules, reps' assigned accounts).
        pursued: ``[A, R, S]`` the cells an agent spends effort on: where it may bid, and for
            specifiers the project cells they advise on.
        effort_weight: ``[A, S]`` relative weight an agent gives a segment's cells when it
            spreads its effort (a rep paid on any sale still chases unassigned accounts, at
            ``unassigned_weight``).
        sells: ``[A, P]`` may agent ``a`` sell product line ``p`` (``product_roles``).
        tier_discount: ``[2, 3]`` channel discount for (distributor, partner) x tier.

    """

    def __init__(self, p: Policy, channel, n_regions: int, unassigned_weight: float = 0.5,
                 products: list[str] | None = None):
        self.policy = p
        self.channel = channel
        self.n_regions = n_regions
        self.unassigned_weight = unassigned_weight
        self.products = products or []
        self._revision: int | None = None
        self.tier_discount = np.array([[p.discounts.distributor[t] for t in TIERS],
                                       [p.discounts.partner[t] for t in TIERS]])
        self._cache_key: tuple | None = None
        self._cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._rebate_roles: tuple[np.ndarray, np.ndarray] | None = None
        self._margin_key: tuple | None = None
        self._margin: np.ndarray | None = None
        self._compile()

    def _masks(self) -> None:
        """Compile again if the network's kinds changed since the last compile."""
        if self._revision != self.channel.revision:
            self._compile()

    allowed = _compiled("_allowed", "``[A, R, S]`` where each agent may bid (see the class "
                        "docstring).")
    allowed_cells = _compiled("_allowed_cells", "``allowed`` laid out ``[R, S, A]`` (a "
                              "contiguous copy: a cell's agents in a row).")
    pursued = _compiled("_pursued", "``[A, R, S]`` where each agent spends effort.")
    pursued_cells = _compiled("_pursued_cells", "``pursued`` laid out ``[R, S, A]``.")
    effort_weight = _compiled("_weight", "``[A, S]`` each agent's weight on a segment's cells.")
    sells = _compiled("_sells", "``[A, P]`` which product lines each agent may sell.")

    def _compile(self) -> None:
        p, channel, n_regions = self.policy, self.channel, self.n_regions
        self._revision = channel.revision
        n_seg = len(SEGMENTS)
        sellers = ~((channel.role == Role.PARTNER) & (channel.kind == Kind.SPECIFIER))
        sellers &= (channel.role != Role.MARKETPLACE) | p.marketplace.enabled
        allowed = np.broadcast_to(sellers[:, None, None], (channel.n, n_regions, n_seg)).copy()
        home = channel.region[:, None] == np.arange(n_regions)[None, :]  # [A, R]
        if p.has_territory("exclusive_regions"):
            held = np.isin(channel.role, [Role.of(r) for r in p.exclusive_roles])
            allowed &= np.where(held[:, None], home, True)[:, :, None]
        if p.has_territory("segment_split"):
            ok = np.stack([named(channel, p.segment_roles[s]) for s in SEGMENTS], axis=1)
            allowed &= ok[:, None, :]
        weight = np.ones((channel.n, n_seg))
        if p.direct.accounts == "key_accounts":
            reps = channel.role == Role.DIRECT
            off_key = np.arange(n_seg) != Segment.KEY
            if p.direct.compensation == "any_sale":
                weight[np.ix_(reps, off_key)] = self.unassigned_weight
            else:  # paid only on its accounts, a rep pursues nothing else
                allowed[np.ix_(reps, np.ones(n_regions, bool), off_key)] = False
        self._allowed = allowed
        self._weight = weight
        # Where agents spend effort: where they may bid, and specifiers on projects (they
        # advise on the specification, in their home region if partners are held there).
        spec = (channel.role == Role.PARTNER) & (channel.kind == Kind.SPECIFIER)
        where = np.ones((channel.n, n_regions), dtype=bool)
        if p.has_territory("exclusive_regions") and "partner" in p.exclusive_roles:
            where = home
        pursued = allowed.copy()
        pursued[:, :, Segment.PROJECT] |= spec[:, None] & where
        self._pursued = pursued
        self._allowed_cells = np.ascontiguousarray(allowed.transpose(1, 2, 0))
        self._pursued_cells = np.ascontiguousarray(pursued.transpose(1, 2, 0))
        self._sells = np.stack([named(channel, p.product_roles[name])
                                if name in p.product_roles else np.ones(channel.n, bool)
                                for name in self.products], axis=1).reshape(
                                    channel.n, len(self.products))

    def assortment(self, channel, agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What each of ``agents`` must stock: ``([n, P]`` required lines, ``[n]`` weeks).

        A named distributor's requirement replaces its tier's (tiers count only where the
        policy uses them; otherwise every distributor is ``base``).
        """
        a = self.policy.assortment
        required = np.zeros((len(agents), len(self.products)), dtype=bool)
        weeks = np.zeros(len(agents))
        if not a.any():
            return required, weeks
        tiers = channel.tier[agents] if self.policy.tiers.enabled else np.zeros(len(agents), int)
        for i, j in enumerate(agents):
            req = a.agents.get(channel.names[j]) or a.tiers.get(TIERS[tiers[i]])
            if req is not None:
                required[i] = [name in req.lines for name in self.products]
                weeks[i] = req.min_cover_weeks
        return required, weeks

    def purchase_discount(self, channel, agents: np.ndarray,
                          project_price: np.ndarray | bool = False) -> np.ndarray:
        """Effective discount off list on an agent's purchases from the manufacturer.

        Components: the channel discount of the agent's role and tier, the promo discount,
        and the special project price where ``project_price`` is true; combined by the
        policy's stacking rule (``sim.rules.pricing.stack_discounts``). A dealer buying
        two-tier gets its distributor's dealer discount instead.
        """
        regular, project, _ = self._per_agent(channel)
        if isinstance(project_price, bool) or np.ndim(project_price) == 0:  # bool: fast path
            return (project if project_price else regular)[agents]
        return np.where(project_price, project[agents], regular[agents])

    def two_tier_mask(self, channel, agents: np.ndarray) -> np.ndarray:
        """True for dealers that buy through a distributor under this policy."""
        return self._per_agent(channel)[2][agents]

    def _per_agent(self, channel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Discounts (regular, project) and two-tier flags of every agent.

        They change only when tiers, kinds or suppliers do, so they are computed once per
        such change: the market asks for them many times a week.
        """
        key = (channel.tier.tobytes(), channel.kind.tobytes(), channel.supplier.tobytes())
        if self._cache_key != key:
            self._cache_key = key
            role = channel.role
            tier = channel.tier if self.policy.tiers.enabled else np.zeros_like(channel.tier)
            by_tier = self.tier_discount[np.where(role == Role.DISTRIBUTOR, 0, 1), tier]
            promo = np.full(by_tier.shape, self.policy.discounts.promo)
            two_tier = (self.policy.two_tier & (role == Role.PARTNER)
                        & (channel.kind == Kind.DEALER) & (channel.supplier >= 0))
            out = []
            for project in (0.0, self.policy.discounts.project):
                parts = np.stack([by_tier, promo, np.full(by_tier.shape, project)], axis=-1)
                d = stack_discounts(parts, self.policy.stacking, self.policy.max_total_discount)
                out.append(np.where(two_tier, self.policy.discounts.dealer_via_distributor, d))
            self._cache = (out[0], out[1], two_tier)
        return self._cache

    def expected_margin(self, channel, street_mid: float) -> np.ndarray:
        """Margin a reseller expects on a typical mid-segment sale: ``1 - (1-d)/(1-street)``.

        Returns:
            One margin per agent (read-only: it is kept until the discounts change, as
            the model asks for it several times a week).

        """
        per_agent = self._per_agent(channel)
        key = (per_agent, channel.role, street_mid)
        if self._margin_key is None or any(a is not b for a, b in zip(key, self._margin_key,
                                                                      strict=True)):
            agents = np.arange(channel.n)
            d = self.purchase_discount(channel, agents)
            m = 1.0 - (1.0 - d) / (1.0 - street_mid)
            resellers = (channel.role == Role.DISTRIBUTOR) | (channel.role == Role.PARTNER)
            self._margin = np.where(resellers, m, 0.0)
            self._margin.flags.writeable = False
            self._margin_key = key
        return self._margin

    def eligible_for_rebates(self, channel) -> np.ndarray:
        """Agents whose purchases earn the volume rebate."""
        # Agents never change role, so the mask is kept for the channel's role array (it is
        # asked every week, and np.isin is slow on small arrays).
        if self._rebate_roles is None or self._rebate_roles[0] is not channel.role:
            self._rebate_roles = (channel.role, np.isin(
                channel.role, [Role.of(r) for r in self.policy.rebates.roles]))
        return self._rebate_roles[1]
