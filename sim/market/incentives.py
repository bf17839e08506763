"""Rebates, bonuses, marketing funds and programme costs, accrued weekly.

Rebates and bonuses are deductions from turnover in the earning agent's channel column
and home region, in the weeks they accrue; settlement trues them up at each period's end.
Marketing funds, training and the direct team are costs in the margin, not in turnover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules import rebates as rb
from sim.vocab import Role


@dataclass
class Settlement:
    """One rebate period of one agent, as settled (money)."""

    agent: int
    version: int
    start: int
    end: int
    volume: float
    accrued: float      # rebate and plan bonus accrued week by week
    true_up: float      # paid (or taken back) when the period settles
    settled: float      # what the period's volume earned: accrued + true_up


class Incentives:
    """Each agent's rebate period under the policy in force for it: volume, accruals, plan.

    Periods follow the scheme's calendar (weeks ``[k x P, (k + 1) x P - 1]`` for a period of
    ``P`` weeks). When an agent's home region switches policy inside a period, the old
    period closes the week before the switch with its thresholds and plan target scaled to
    the share of the period elapsed, and settles on the purchases made under the old rules
    (counted by order week); the new scheme starts with a stub period to its next boundary,
    its thresholds scaled to the stub's length. Grandfathering does not cover rebates: it
    keeps customers' terms, while a reseller's rebate follows its region's switch.
    """

    def __init__(self, n_agents: int):
        self.volume = np.zeros(n_agents)
        self.accrued_rebate = np.zeros(n_agents)
        self.accrued_plan = np.zeros(n_agents)
        self.pace = np.zeros(n_agents)          # last period's purchases per week
        self.version = np.full(n_agents, -1, dtype=np.int64)
        self.start = np.zeros(n_agents, dtype=np.int64)
        self.end = np.zeros(n_agents, dtype=np.int64)
        self.log: list[Settlement] = []

    def _share(self, pol, agents: np.ndarray) -> np.ndarray:
        return (self.end[agents] - self.start[agents] + 1) / pol.policy.rebates.period_weeks

    def _open(self, agents: np.ndarray, week: int, policies, version: np.ndarray) -> None:
        """Start each agent's period in ``week`` under its version, to the next boundary."""
        for v, pol in enumerate(policies):
            mine = agents[version[agents] == v]
            per = pol.policy.rebates.period_weeks
            self.version[mine] = v
            self.start[mine] = week
            self.end[mine] = (week // per + 1) * per - 1
        for arr in (self.volume, self.accrued_rebate, self.accrued_plan):
            arr[agents] = 0.0

    def _close(self, agents: np.ndarray, last: int, policies, channel) -> np.ndarray:
        """Settle the periods of ``agents`` as they stand at week ``last``; money owed."""
        owed = np.zeros(len(agents))
        for v, pol in enumerate(policies):
            sel = (self.version[agents] == v).nonzero()[0]
            if len(sel) == 0:
                continue
            a, p = agents[sel], pol.policy
            a = a[last - self.start[a] + 1 > 0]   # a period that has not begun has nothing
            sel = sel[np.isin(agents[sel], a)]
            length = last - self.start[a] + 1
            share = length / p.rebates.period_weeks
            eligible = pol.eligible_for_rebates(channel)[a]
            th = [t.threshold for t in p.rebates.tiers]
            rates = [t.rate for t in p.rebates.tiers]
            vol = self.volume[a]
            rebate = np.zeros(len(a))
            for scale in sorted(set(share[eligible].tolist())):
                pick = eligible & (share == scale)
                rebate[pick] = rb.rebate(vol[pick], rb.prorate(th, scale), rates,
                                         p.rebates.scheme)
            target = self.pace[a] * length * (1.0 + p.plan_bonus.growth)
            plan = np.where((target > 0) & (vol >= target), p.plan_bonus.rate * vol, 0.0)
            accrued = self.accrued_rebate[a] + self.accrued_plan[a]
            owed[sel] = rebate + plan - accrued
            self.pace[a] = vol / length
            # one conversion per column, not numpy scalars per agent (the same numbers)
            rows = zip(a.tolist(), self.start[a].tolist(), vol.tolist(), accrued.tolist(),
                       owed[sel].tolist(), (rebate + plan).tolist(), eligible.tolist(),
                       strict=True)
            self.log += [Settlement(j, v, start, last, x, acc, o, earned)
                         for j, start, x, acc, o, earned, ok in rows if ok or x > 0]
        return owed

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
        owed = np.zeros(book.n)
        new = (self.version < 0).nonzero()[0]
        if len(new):
            self._open(new, week, policies, agent_version)
        switched = (agent_version != self.version).nonzero()[0]
        if len(switched):   # the old rules' period closes on last week's purchases
            owed[switched] += self._close(switched, week - 1, policies, book)
            self._open(switched, week, policies, agent_version)
        funds = self._week(week, book, policies, owed, led)
        ending = (self.end == week).nonzero()[0]
        if len(ending):
            owed[ending] += self._close(ending, week, policies, book)
            self._open(ending, week + 1, policies, self.version)
        for role in (Role.DISTRIBUTOR, Role.PARTNER):
            sel = ((book.role == role) & (owed != 0)).nonzero()[0]
            led.turnover(role.label, -owed[sel], book.region[sel])
        led.add("rebates", owed)
        led.add("marketing_funds", funds)
        book.week["incentives"] += owed + funds

    def _week(self, week: int, book, policies, owed: np.ndarray, led) -> np.ndarray:
        """Accrue the week (into ``owed``) and book programme costs; return marketing funds."""
        buys = book.week["purchases"]
        funds = np.zeros(book.n)
        for v, pol in enumerate(policies):
            mask = self.version == v
            if not mask.any():
                continue
            p = pol.policy
            a = mask.nonzero()[0]
            share = self._share(pol, a)
            eligible = pol.eligible_for_rebates(book)[a]
            th = [t.threshold for t in p.rebates.tiers]
            rates = [t.rate for t in p.rebates.tiers]
            before, b = self.volume[a], buys[a]
            acc = np.zeros(len(a))
            # a few distinct lengths at most (each group is its own; the order is not used)
            for scale in sorted(set(share[eligible].tolist())):
                sel = eligible & (share == scale)
                acc[sel] = rb.weekly_accrual(before[sel], b[sel], rb.prorate(th, scale), rates,
                                             p.rebates.scheme)
            length = self.end[a] - self.start[a] + 1
            target = self.pace[a] * length * (1.0 + p.plan_bonus.growth)
            plan = np.where((target > 0) & (before + b >= target), p.plan_bonus.rate * b, 0.0)
            self.accrued_rebate[a] += acc
            self.accrued_plan[a] += plan
            self.volume[a] += b
            owed[a] += acc + plan + p.sales_bonus * b
            funds[a] += p.marketing_funds * b
            partners = mask & (book.role == Role.PARTNER) & book.contracted()
            if p.training.enabled:
                led.add("marketing_funds",
                        p.training.weekly_cost_per_partner * np.count_nonzero(partners))
            reps = mask & (book.role == Role.DIRECT)
            led.add("direct_cost", p.direct.weekly_cost_per_rep * np.count_nonzero(reps))
        return funds

    def next_threshold(self, pol) -> np.ndarray:
        """Next rebate threshold (scaled to each agent's period) above its volume (inf if none)."""
        th = np.array([t.threshold for t in pol.policy.rebates.tiers] + [np.inf])
        share = (self.end - self.start + 1) / pol.policy.rebates.period_weeks
        scaled = th[None, :] * share[:, None]
        idx = (scaled <= self.volume[:, None]).sum(axis=1)
        return scaled[np.arange(len(share)), np.minimum(idx, len(th) - 1)]

    def weeks_left(self, week: int) -> np.ndarray:
        """Weeks left in each agent's period, this one included."""
        return self.end - week + 1

    def rate_at_pace(self, pol, week: int) -> tuple[np.ndarray, np.ndarray]:
        """(rebate rate, plan bonus rate) each agent expects at its pace under ``pol``.

        Its purchases per week so far this period (last period's pace in a period's first
        week), over a whole period of ``pol``: the
        rebate rate that volume earns (``rules.rebates.expected_rate``), and the plan bonus
        rate if that volume meets the plan (last period's pace x (1 + growth)).
        """
        p = pol.policy
        per = p.rebates.period_weeks
        done = week - self.start                  # weeks of the period already bought in
        pace = np.where(done > 0, self.volume / np.maximum(done, 1), self.pace)
        th = [t.threshold for t in p.rebates.tiers]
        rates = [t.rate for t in p.rebates.tiers]
        rebate = np.zeros(len(self.volume))
        if p.rebates.scheme != "none" and th:
            rebate = rb.expected_rate(pace, 1, per, th, rates, p.rebates.scheme)
        target = self.pace * (1.0 + p.plan_bonus.growth)
        plan = np.where((target > 0) & (pace >= target), p.plan_bonus.rate, 0.0)
        return rebate, plan
