"""The week's motivation update: commitment, tiers, activity and defection."""

from __future__ import annotations

import numpy as np

from sim.book import TRAIL
from sim.rules.commitment import (
    DEFECTED,
    CommitmentWeights,
    commitment_target,
    next_state,
    update_commitment,
)


def expected_margins(m, agent_version: np.ndarray) -> np.ndarray:
    """Margin each reseller expects under the policy in force in its home region."""
    out = np.zeros(m.book.n)
    for v, pol in enumerate(m.policies):
        mask = agent_version == v
        out[mask] = pol.expected_margin(m.book, m.street_mid)[mask]
    return out


class Motivation:
    """Moves commitment with margin, incentives, training, tier, volume and conflicts."""

    def __init__(self, m):
        c = m.spec.behaviour.commitment
        self.c = c
        self.w = CommitmentWeights(c.bias, c.margin_weight, c.incentive_weight,
                                   c.training_weight, c.tier_weight, c.volume_weight,
                                   c.conflict_weight)
        self.alpha = 1.0 / c.memory_weeks
        book = m.book
        m0 = expected_margins(m, np.zeros(book.n, dtype=np.int64))
        book.margin_real[:] = m0
        book.margin_ref[:] = m0

    def update(self, m, week: int, agent_version: np.ndarray, announced: np.ndarray) -> None:
        """Advance every channel partner's commitment and state by one week.

        Args:
            m: the model.
            week: the current week.
            agent_version: policy version in force in each agent's home region.
            announced: bool per agent, a change is announced for its region.

        """
        book, a = m.book, self.alpha
        st = book.week
        m_exp = expected_margins(m, agent_version)
        sold = st["sell_through"] > 0
        realised = np.where(sold, st["margin_money"] / np.where(sold, st["sell_through"], 1.0),
                            m_exp)
        book.margin_real += a * (realised - book.margin_real)
        book.margin_ref += 0.5 * a * (m_exp - book.margin_ref)
        book.sell_through_ewma += a * (st["sell_through"] - book.sell_through_ewma)
        book.purchases_ewma += a * (st["purchases"] - book.purchases_ewma)
        book.incentives_ewma += a * (st["incentives"] - book.incentives_ewma)
        book.conflicts_lost_ewma += a * (st["conflicts_lost"] - book.conflicts_lost_ewma)
        gap = book.margin_real - book.alt_margin
        if announced.any():
            future = expected_margins(m, np.ones(book.n, dtype=np.int64))
            gap = gap + np.where(announced, self.c.announcement_weight * (future - m_exp), 0.0)
        # A typical deal in the denominator keeps the rate finite for agents that buy
        # little (specifiers earn spec-in bonuses without buying anything).
        incentive = book.incentives_ewma / (book.purchases_ewma + m.typical_deal_value)
        volume = np.log1p(book.sell_through_ewma / m.typical_deal_value)
        tiers_on = np.array([pol.p.tiers.enabled for pol in m.policies])[agent_version]
        target = commitment_target(self.w, gap, np.minimum(incentive, 0.2), book.trained,
                                   np.where(tiers_on, book.tier, 0), volume,
                                   book.conflicts_lost_ewma)
        moving = book.contracted()
        book.commitment = np.where(moving, update_commitment(book.commitment, target,
                                                             self.c.speed), book.commitment)
        book.commitment_ref += 0.5 * a * (book.commitment - book.commitment_ref)
        before = book.state.copy()
        book.state, book.weeks_low = next_state(
            book.state, book.commitment, book.weeks_low, self.c.active_threshold,
            self.c.defect_threshold, self.c.defect_weeks)
        for j in np.flatnonzero((book.state == DEFECTED) & (before != DEFECTED)):
            m.channel_agent(j).defect()
        book.trailing[week % TRAIL] = st["sell_through"]

    def review_tiers(self, m, week: int, agent_version: np.ndarray) -> None:
        """Re-rank contracted agents into tiers where the policy in force uses tiers."""
        book = m.book
        recent = book.trailing.sum(axis=0)
        for v, pol in enumerate(m.policies):
            t = pol.p.tiers
            if not t.enabled or week % t.review_weeks != 0:
                continue
            for role in (0, 1):
                idx = np.flatnonzero((agent_version == v) & (book.role == role)
                                     & book.contracted())
                if len(idx) == 0:
                    continue
                order = idx[np.argsort(-recent[idx], kind="stable")]
                n_gold = int(round(t.gold_share * len(idx)))
                n_silver = int(round(t.silver_share * len(idx)))
                book.tier[order] = 0
                book.tier[order[:n_gold]] = 2
                book.tier[order[n_gold:n_gold + n_silver]] = 1
