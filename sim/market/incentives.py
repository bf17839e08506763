"""Rebates, bonuses, marketing funds and programme costs, accrued weekly.

Rebates and bonuses are deductions from turnover in the earning agent's channel column
and home region, in the weeks they accrue; settlement trues them up at each period's end.
Marketing funds, training and the direct team are costs in the margin, not in turnover.
"""

from __future__ import annotations

import numpy as np

from sim.rules import rebates as rb
from sim.vocab import Role


class Incentives:
    """Per-agent period volumes and accruals."""

    def __init__(self, n_agents: int):
        self.volume = np.zeros(n_agents)
        self.accrued_rebate = np.zeros(n_agents)
        self.accrued_plan = np.zeros(n_agents)
        self.previous = np.zeros(n_agents)

    def accrue(self, week: int, agent_version: np.ndarray, channel, policies, ledger) -> None:
        """Accrue this week's rebates, bonuses and costs; settle periods that end now.

        Args:
            week: the current week.
            agent_version: the policy version in force in each agent's home region.
            channel: the channel agents (this week's purchases; incentives are counted).
            policies: the policy versions.
            ledger: the books.

        """
        book, led = channel, ledger
        buys = book.week["purchases"]
        owed = np.zeros(book.n)
        funds = np.zeros(book.n)
        for v, pol in enumerate(policies):
            mask = agent_version == v
            if not mask.any():
                continue
            p = pol.policy
            eligible = mask & pol.eligible_for_rebates(book)
            th = [t.threshold for t in p.rebates.tiers]
            rates = [t.rate for t in p.rebates.tiers]
            before = self.volume
            acc = np.where(eligible, rb.weekly_accrual(before, buys, th, rates,
                                                       p.rebates.scheme), 0.0)
            target = self.previous * (1.0 + p.plan_bonus.growth)
            on_plan = (target > 0) & (before + buys >= target)
            plan = np.where(mask & on_plan, p.plan_bonus.rate * buys, 0.0)
            bonus = np.where(mask, p.sales_bonus * buys, 0.0)
            self.accrued_rebate += acc
            self.accrued_plan += plan
            self.volume = np.where(mask, self.volume + buys, self.volume)
            owed += acc + plan + bonus
            if week % p.rebates.period_weeks == 0:
                owed += self._settle(mask, eligible, th, rates, p)
            funds += np.where(mask, p.marketing_funds * buys, 0.0)
            partners = mask & (book.role == Role.PARTNER) & book.contracted()
            if p.training.enabled:
                led.add("marketing_funds", p.training.weekly_cost_per_partner * partners.sum())
            reps = mask & (book.role == Role.DIRECT)
            led.add("direct_cost", p.direct.weekly_cost_per_rep * reps.sum())
        for role in (Role.DISTRIBUTOR, Role.PARTNER):
            sel = np.flatnonzero((book.role == role) & (owed != 0))
            led.turnover(role.label, -owed[sel], book.region[sel])
        led.add("rebates", owed)
        led.add("marketing_funds", funds)
        book.week["incentives"] += owed + funds

    def _settle(self, mask, eligible, th, rates, p) -> np.ndarray:
        """True-up at the period's end (money owed, may be negative); start a new period."""
        v = self.volume
        rebate = np.where(eligible, rb.true_up(v, self.accrued_rebate, th, rates,
                                               p.rebates.scheme), 0.0)
        target = self.previous * (1.0 + p.plan_bonus.growth)
        earned = np.where((target > 0) & (v >= target), p.plan_bonus.rate * v, 0.0)
        plan = np.where(mask, earned - self.accrued_plan, 0.0)
        self.previous = np.where(mask, v, self.previous)
        for arr in (self.volume, self.accrued_rebate, self.accrued_plan):
            arr[mask] = 0.0
        return rebate + plan

    def next_threshold(self, pol) -> np.ndarray:
        """Next rebate threshold above each agent's period volume (inf if none)."""
        th = np.array([t.threshold for t in pol.policy.rebates.tiers] + [np.inf])
        return th[np.searchsorted(th, self.volume, side="right")]
