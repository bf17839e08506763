"""The channel agents' motivation: commitment, tiers, activity and defection, weekly.

Commitment moves with the realised margin against the competitor's line, incentives,
training, tier, volume and conflicts lost (``sim.rules.commitment``); it sets the agent's
effort budget, and lasting low commitment makes it defect. Whether an agent is active or on
paper is what it did: selling, buying, specifying or holding a registration lately
(``docs/model.md``, motivation).
"""

from __future__ import annotations

import numba
import numpy as np

from sim.agents.channel import TRAIL, ChannelAgents
from sim.rules.commitment import (
    CommitmentWeights,
    commitment_target,
    next_state,
    update_commitment,
)
from sim.vocab import Role, State, Tier

# The reference margin and commitment (a reseller's own recent normal) drift at this share
# of the speed of the realised ones, so that a change is felt before it becomes the norm.
REFERENCE_SPEED = 0.5


def expected_margins(policies, channel: ChannelAgents, agent_version: np.ndarray,
                     street_mid: float) -> np.ndarray:
    """Margin each reseller expects under the policy in force in its home region."""
    out = np.zeros(channel.n)
    for v, pol in enumerate(policies):
        mask = agent_version == v
        if mask.any():
            out[mask] = pol.expected_margin(channel, street_mid)[mask]
    return out


@numba.njit(cache=True, nogil=True)
def _follow(memories, values, rates):  # pragma: no cover - compiled
    """``memories[k] += rates[k] * (values[k] - memories[k])``, in place, entry by entry.

    The same three IEEE steps per entry as the array form (subtract, multiply, add; no
    fused multiply-add), so the same bits, in one call instead of eighteen.
    """
    for k in range(len(memories)):
        m, x, r = memories[k], values[k], rates[k]
        for i in range(m.shape[0]):
            m[i] += r * (x[i] - m[i])


class Motivation:
    """Moves commitment with margin, incentives, training, tier, volume and conflicts."""

    def __init__(self, settings, channel: ChannelAgents, policies, street_mid: float,
                 typical_deal_value: float, activity_weeks: int):
        c = settings
        self.activity_weeks = activity_weeks
        self.c = c
        self.w = CommitmentWeights(c.bias, c.margin_weight, c.incentive_weight,
                                   c.training_weight, c.tier_weight, c.volume_weight,
                                   c.conflict_weight)
        self.alpha = 1.0 / c.memory_weeks
        self.channel, self.policies = channel, policies
        self.street_mid, self.typical_deal_value = street_mid, typical_deal_value
        m0 = self.expected(np.zeros(channel.n, dtype=np.int64))
        channel.margin_real[:] = m0
        channel.margin_ref[:] = m0

    def expected(self, agent_version: np.ndarray) -> np.ndarray:
        """Margin each reseller expects under the policy version in force for it."""
        return expected_margins(self.policies, self.channel, agent_version, self.street_mid)

    def update(self, week: int, agent_version: np.ndarray, announced: np.ndarray,
               deals) -> np.ndarray:
        """Advance every channel partner's commitment and state by one week.

        An agent is active when in the last ``behaviour.activity_weeks`` weeks it sold,
        bought, was credited with a spec-in, or held an open registered project; else it is
        on paper. Commitment moves on its own and decides effort and defection.

        Args:
            week: the current week.
            agent_version: policy version in force in each agent's home region.
            announced: bool per agent, a change is announced for its region.
            deals: the deal book (open registered projects count as activity).

        Returns:
            The agents that defect this week (the caller carries the defection out).

        """
        book, a = self.channel, self.alpha
        st = book.week
        m_exp = self.expected(agent_version)
        sold = st["sell_through"] > 0
        realised = np.where(sold, st["margin_money"] / np.where(sold, st["sell_through"], 1.0),
                            m_exp)
        # each memory moves toward this week's value: ``m += rate * (x - m)``, six at once
        _follow((book.margin_real, book.margin_ref, book.sell_through_ewma,
                 book.purchases_ewma, book.incentives_ewma, book.conflicts_lost_ewma),
                (realised, m_exp, st["sell_through"], st["purchases"], st["incentives"],
                 st["conflicts_lost"]),
                (a, REFERENCE_SPEED * a, a, a, a, a))
        gap = book.margin_real - book.alt_margin
        if announced.any():
            future = self.expected(np.ones(book.n, dtype=np.int64))
            gap = gap + np.where(announced, self.c.announcement_weight * (future - m_exp), 0.0)
        # A typical deal in the denominator keeps the rate finite for agents that buy
        # little (specifiers earn spec-in bonuses without buying anything).
        incentive = book.incentives_ewma / (book.purchases_ewma + self.typical_deal_value)
        volume = np.log1p(book.sell_through_ewma / self.typical_deal_value)
        tiers_on = np.array([pol.policy.tiers.enabled for pol in self.policies])[agent_version]
        rate = np.minimum(incentive, self.c.max_incentive_rate)
        target = commitment_target(self.w, gap, rate, book.trained,
                                   np.where(tiers_on, book.tier, 0), volume,
                                   book.conflicts_lost_ewma)
        moving = book.contracted()
        book.commitment = np.where(moving, update_commitment(book.commitment, target,
                                                             self.c.speed), book.commitment)
        book.commitment_ref += REFERENCE_SPEED * a * (book.commitment - book.commitment_ref)
        open_rows = deals.open_rows()
        holder = deals.registered[open_rows]
        book.registrations = np.bincount(holder[holder >= 0], minlength=book.n).astype(float)
        did = ((st["sell_through"] > 0) | (st["purchases"] > 0) | (st["spec_ins"] > 0)
               | (book.registrations > 0))
        book.last_active = np.where(did, week, book.last_active)
        selling = week - book.last_active < self.activity_weeks
        before = book.state.copy()
        book.state, book.weeks_low = next_state(
            book.state, book.commitment, book.weeks_low, selling, self.c.defect_threshold,
            self.c.defect_weeks)
        book.trailing[week % TRAIL] = st["sell_through"]
        return ((book.state == State.DEFECTED) & (before != State.DEFECTED)).nonzero()[0]

    def review_tiers(self, week: int, agent_version: np.ndarray) -> None:
        """Re-rank contracted agents into tiers where the policy in force uses tiers."""
        book = self.channel
        recent = None        # last year's sales, summed only in a week with a review
        for v, pol in enumerate(self.policies):
            t = pol.policy.tiers
            if not t.enabled or week % t.review_weeks != 0:
                continue
            if recent is None:
                recent = book.trailing.sum(axis=0)
            for role in (Role.DISTRIBUTOR, Role.PARTNER):
                idx = np.flatnonzero((agent_version == v) & (book.role == role)
                                     & book.contracted())
                if len(idx) == 0:
                    continue
                order = idx[np.argsort(-recent[idx], kind="stable")]
                n_gold = int(round(t.gold_share * len(idx)))
                n_silver = int(round(t.silver_share * len(idx)))
                book.tier[order] = Tier.BASE
                book.tier[order[:n_gold]] = Tier.GOLD
                book.tier[order[n_gold:n_gold + n_silver]] = Tier.SILVER


def _load() -> None:
    """Load (or, the first time on a machine, compile) the kernel now, not in a run."""
    six = tuple(np.zeros(1) for _ in range(6))
    _follow(six, six, (0.5,) * 6)


_load()
