"""The partners' part in a project's specification phase: spec-in and deal registration.

Integrators, project and service companies and specifiers influence which brand is
specified into a project before it goes to tender; with deal registration, the selling
partner with the strongest claim registers the project and is protected in its tender.
"""

from __future__ import annotations

import numpy as np

from sim.market.deals import DealBook
from sim.market.policy import CompiledPolicy
from sim.rng import SALT_SPEC_IN, SALT_SPEC_REACH, hash_joined
from sim.vocab import Kind, Role, Segment

SPEC_KINDS = (Kind.INTEGRATOR, Kind.PROJECT, Kind.SERVICE, Kind.SPECIFIER)


def _argmax_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise argmax that also works when there are no columns (no agents)."""
    return np.argmax(a, axis=1) if a.shape[1] else np.zeros(a.shape[0], dtype=np.int64)


class Partners:
    """The specification behaviour of the partners among the channel agents."""

    def __init__(self, channel, pricing):
        self.channel = channel
        self.pricing = pricing
        # Which kinds can specify, as a lookup by kind index (np.isin is slow on small
        # arrays, and this is asked every week); the extra last entry, False, is where the
        # kind -1 of agents that are not partners lands.
        self.spec_kind = np.isin(np.arange(len(Kind) + 1), SPEC_KINDS)

    def specify(self, rows: np.ndarray, version: int, pol: CompiledPolicy,
                deals: DealBook) -> np.ndarray:
        """Project deals entering their specification phase: spec-in and registration.

        Partners that can specify (integrators, project and service companies, specifiers)
        hear of the project with the effort plan's chance on the project cell
        (``EffortPlan.spec_reach``); each that does specs the brand in with probability
        ``spec_in * c * (1 + b * trained) * (1 + bonus / (bonus + half))`` (``b``: the
        training's spec-in boost). Where nobody does, the competitor is specified with
        probability ``competitor_spec_in``. With deal registration, the reached selling
        partner with the strongest claim registers it (one that may sell its product
        line). Reps who hear of the project hold it until its tender (``sim.agents.direct``).

        Returns:
            The agent credited with each spec-in (-1 where none), for the spec-in bonus.

        """
        ch, p = self.channel, pol.policy
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int64)
        reg = deals.region[rows]
        plan = ch.plan
        can = (ch.role == Role.PARTNER) & self.spec_kind[ch.kind] & plan.working
        prob = plan.spec_reach(version, reg) * can
        keys = deals.key[rows]
        # draws only for the partners that can specify (the same uniform per deal and agent)
        cols = np.flatnonzero(can)
        # the reach, spec-in and competitor's uniforms, hashed in one pass (the same bits)
        ids, n_d = ch.ids[cols], len(keys)
        u = hash_joined((keys[:, None], ids, SALT_SPEC_REACH), (keys[:, None], ids, SALT_SPEC_IN),
                        (keys, ch.ids[-1], SALT_SPEC_IN))
        u_reach, u_in, u_comp = np.split(u, [n_d * len(cols), 2 * n_d * len(cols)])
        reached = np.zeros(prob.shape, dtype=bool)
        reached[:, cols] = u_reach.reshape(n_d, len(cols)) < prob[:, cols]
        pr = self.pricing
        bonus = p.spec_in_bonus / (p.spec_in_bonus + pr.spec_bonus_half) if p.spec_in_bonus else 0
        boost = p.training.spec_in_boost
        p_spec = pr.spec_in * ch.commitment * (1.0 + boost * ch.trained) * (1.0 + bonus)
        u_agents = np.ones(prob.shape)
        u_agents[:, cols] = u_in.reshape(n_d, len(cols))
        success = reached & (u_agents < np.minimum(p_spec, 1.0))
        score = np.where(success, prob - u_agents, -np.inf)
        any_spec = success.any(axis=1)
        credited = np.where(any_spec, _argmax_rows(score), -1)
        comp_spec = ~any_spec & (u_comp < pr.competitor_spec_in)
        deals.spec[rows] = np.where(any_spec, 1, np.where(comp_spec, -1, 0))
        deals.spec_agent[rows] = credited
        line_ok = True if pol.sells.all() else pol.sells.T[deals.product[rows]]   # [D, A]
        if p.deal_registration:
            sellers = reached & (ch.kind[None, :] != Kind.SPECIFIER) & line_ok
            claim = np.where(sellers, prob - u_agents, -np.inf)
            deals.registered[rows] = np.where(sellers.any(axis=1), _argmax_rows(claim), -1)
        team = ch.team
        heard = plan.table(version)[reg, Segment.PROJECT]
        if line_ok is not True:
            heard = heard * line_ok
        team.hear_of_projects(rows, heard[:, team.reps], keys)
        return credited
