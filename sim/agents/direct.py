"""The direct team's capacity: each rep can hold only so many open deals, projects included.

A rep hears of a project when it enters its specification phase and holds it until its
tender is decided (it bids on it then); a run-rate deal it hears of is open only the week
it is decided. When a rep's open deals exceed ``network.rep_open_deals`` it keeps those of
highest expected margin (``sim.rules.effort.within_capacity``; ties go to the lower deal
key) and drops the rest: a dropped project is released, a dropped run-rate deal gets no bid.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.rng import SALT_REACH, hash_uniform
from sim.rules.effort import within_capacity
from sim.vocab import DealStatus, Role


@numba.njit(cache=True, nogil=True)
def _held_bids(rows, projects, held_rows, held_agents, reps, is_rep, can, bid):  # pragma: no cover
    """``bid[i, reps] = held(rows[i])[reps] & can[i, reps]`` for each project ``i``.

    A few projects a week against a few held ones: a loop over the pairs, instead of a
    dozen array calls on arrays of ten entries (booleans only, so the same answer).
    """
    for i in range(rows.shape[0]):
        if not projects[i]:
            continue
        for r in reps:
            bid[i, r] = False
        for h in range(held_rows.shape[0]):
            j = held_agents[h]
            if held_rows[h] == rows[i] and is_rep[j]:
                bid[i, j] = can[i, j]


class DirectTeam:
    """The projects each rep holds, and the capacity check on the week's bids."""

    def __init__(self, channel, capacity: int, deal_value: np.ndarray):
        self.reps = np.flatnonzero(channel.role == Role.DIRECT)
        self.is_rep = channel.role == Role.DIRECT
        # a roster's direct team of several reps holds as many open deals as they can
        self.capacity = np.round(capacity * channel.reps).astype(np.int64)
        self.deal_value = deal_value                 # money per deal, by segment
        self.rows = np.zeros(0, dtype=np.int64)      # held projects: deal row ...
        self.agents = np.zeros(0, dtype=np.int64)    # ... and the rep holding it

    def hear_of_projects(self, rows: np.ndarray, reach: np.ndarray, keys: np.ndarray) -> None:
        """New projects in ``rows``: the reps who hear of them hold them (``reach[D, reps]``)."""
        if len(self.reps) == 0 or len(rows) == 0:
            return
        u = hash_uniform(keys, self.reps, SALT_REACH)
        d, r = np.nonzero(u < reach)
        self.rows = np.concatenate([self.rows, rows[d]])
        self.agents = np.concatenate([self.agents, self.reps[r]])

    def bid_on_held(self, rows: np.ndarray, projects: np.ndarray, can: np.ndarray,
                    bid: np.ndarray) -> None:
        """Reps bid on a project of ``rows`` only if they hold it (and ``can``): into ``bid``.

        The same as ``bid[np.ix_(projects, reps)] = held(rows[projects])[:, reps] &
        can[projects][:, reps]``; ``bid`` and ``can`` are ``[len(rows), A]`` masks.
        """
        _held_bids(np.asarray(rows, dtype=np.int64), np.asarray(projects, dtype=np.bool_),
                   self.rows, self.agents, self.reps, self.is_rep,
                   np.ascontiguousarray(can, dtype=np.bool_), bid)

    def within_capacity(self, d: np.ndarray, a: np.ndarray, rows: np.ndarray,
                        deals) -> np.ndarray:
        """Which of this batch's bids (``d``, ``a``) the reps keep; releases dropped projects.

        A rep's open deals are this batch's bids and the projects it holds that are decided
        in later weeks.
        """
        keep = np.ones(len(a), dtype=bool)
        rep_bid = self.is_rep[a]
        if not rep_bid.any():
            return keep
        week = deals.decide[rows[0]]
        still = deals.decide[self.rows] > week
        later_rows, later_agents = self.rows[still], self.agents[still]
        batch_rows = rows[d[rep_bid]]
        owner = np.concatenate([a[rep_bid], later_agents])
        all_rows = np.concatenate([batch_rows, later_rows])
        value = deals.units[all_rows] * self.deal_value[deals.segment[all_rows]]
        kept = within_capacity(owner, value, deals.key[all_rows], self.capacity)
        keep[rep_bid.nonzero()[0]] = kept[:len(batch_rows)]
        dropped = ~kept[len(batch_rows):]
        if dropped.any():
            n = len(self.capacity)
            gone = later_rows[dropped] * n + later_agents[dropped]
            stay = ~np.isin(self.rows * n + self.agents, gone)
            self.rows, self.agents = self.rows[stay], self.agents[stay]
        return keep

    def decided(self, deals) -> None:
        """Deals decided this week are no longer held."""
        if len(self.rows):
            stay = deals.status[self.rows] == DealStatus.OPEN
            self.rows, self.agents = self.rows[stay], self.agents[stay]

    def open_deals(self, week_bids: np.ndarray | None = None) -> np.ndarray:
        """Open deals per agent: projects held (plus this week's bids, per agent, if given)."""
        held = np.bincount(self.agents, minlength=len(self.capacity))
        return held if week_bids is None else held + week_bids


def _load() -> None:
    """Load (or, the first time on a machine, compile) the kernel now, not in a run."""
    one = np.zeros(1, dtype=np.int64)
    _held_bids(one, np.ones(1, dtype=np.bool_), one, one, one, np.ones(1, dtype=np.bool_),
               np.ones((1, 1), dtype=np.bool_), np.zeros((1, 1), dtype=np.bool_))


_load()
