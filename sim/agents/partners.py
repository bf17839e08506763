"""The partners' part in a project's specification phase: spec-in and deal registration.

Integrators, project and service companies and specifiers influence which brand is
specified into a project before it goes to tender; with deal registration, the selling
partner with the strongest claim registers the project and is protected in its tender.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.market.deals import DealBook
from sim.market.policy import CompiledPolicy
from sim.rng import SALT_SPEC_IN, SALT_SPEC_REACH
from sim.rng_jit import pair_uniform, salt_code
from sim.vocab import Kind, Role, Segment

SPEC_KINDS = (Kind.INTEGRATOR, Kind.PROJECT, Kind.SERVICE, Kind.SPECIFIER)


@numba.njit(cache=True, nogil=True)
def _spec_draws(keys, cols, ids, chances, may_register, salts, out):  # pragma: no cover
    """Each new project's spec-in, the competitor's and the registration, in one pass.

    For deal ``i`` and each partner ``a`` in ``cols`` (in order): reached when its reach
    uniform is below ``prob[i, a]``; specs the brand in when reached and its spec-in uniform
    ``u`` is below ``p_spec[a]``; the credited partner is the first with the highest
    ``prob - u`` among those (-1: none, and then the competitor is specified when its own
    uniform is below ``p_comp``). The registering partner is the first with the highest
    ``prob - u`` among the reached ones that ``may_register`` (an empty mask: no
    registration). The same numbers as the whole-array form: the same uniforms, the same
    subtraction, first-of-the-best like ``argmax``.
    """
    prob, p_spec, p_comp = chances
    credited, spec, registered = out
    reach_salt, in_salt = salts
    registering = may_register.shape[0] > 0
    competitor = ids[ids.shape[0] - 1]
    for i in range(keys.shape[0]):
        k_reach, k_in = keys[i] ^ reach_salt, keys[i] ^ in_salt
        best, best_score, claim, claim_score = -1, -np.inf, -1, -np.inf
        for a in cols:
            if not pair_uniform(k_reach, ids[a]) < prob[i, a]:
                continue
            u = pair_uniform(k_in, ids[a])
            score = prob[i, a] - u
            if u < p_spec[a] and (best < 0 or score > best_score):
                best, best_score = a, score
            if registering and may_register[i, a] and (claim < 0 or score > claim_score):
                claim, claim_score = a, score
        credited[i] = best
        registered[i] = claim
        if best >= 0:
            spec[i] = 1
        elif pair_uniform(k_in, competitor) < p_comp:
            spec[i] = -1
        else:
            spec[i] = 0


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
        prob = plan.spec_reach(version, reg)        # read only for the partners that can
        keys = deals.key[rows]
        cols = can.nonzero()[0]
        pr = self.pricing
        bonus = p.spec_in_bonus / (p.spec_in_bonus + pr.spec_bonus_half) if p.spec_in_bonus else 0
        boost = p.training.spec_in_boost
        p_spec = pr.spec_in * ch.commitment * (1.0 + boost * ch.trained) * (1.0 + bonus)
        line_ok = True if pol.sells.all() else pol.sells.T[deals.product[rows]]   # [D, A]
        may_register = np.empty((0, 0) if not p.deal_registration else prob.shape, dtype=bool)
        if p.deal_registration:
            may_register[:] = (ch.kind != Kind.SPECIFIER) & line_ok
        credited = np.empty(len(rows), dtype=np.int64)
        spec = np.empty(len(rows), dtype=np.int64)
        registered = np.empty(len(rows), dtype=np.int64)
        _spec_draws(keys, cols, ch.ids.astype(np.uint64),
                    (prob, np.minimum(p_spec, 1.0), float(pr.competitor_spec_in)), may_register,
                    (salt_code(SALT_SPEC_REACH), salt_code(SALT_SPEC_IN)),
                    (credited, spec, registered))
        deals.spec[rows] = spec
        deals.spec_agent[rows] = credited
        if p.deal_registration:
            deals.registered[rows] = registered
        team = ch.team
        heard = plan.table(version)[reg, Segment.PROJECT]
        if line_ok is not True:
            heard = heard * line_ok
        team.hear_of_projects(rows, heard[:, team.reps], keys)
        return credited


def _load() -> None:
    """Load (or, the first time on a machine, compile) the kernel now, not in a run."""
    one, out = np.ones(1, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    for may_register in (np.zeros((0, 0), dtype=bool), np.ones((1, 1), dtype=bool)):
        _spec_draws(one, np.zeros(1, dtype=np.int64), np.ones(2, dtype=np.uint64),
                    (np.ones((1, 1)), np.ones(1), 0.5), may_register, (one[0], one[0]),
                    (out, out.copy(), out.copy()))


_load()
