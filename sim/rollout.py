"""Rollout of a strategy: which policy applies where and when (DOMAIN.md item 9).

Version 0 is the baseline's policy, version 1 the strategy's. A region switches to
version 1 at its pilot week (pilot regions) or at the full rollout week (all others).
Project deals keep the version they started their tender under; with grandfathering,
customers who already buy from a brand agent keep the old rules for N weeks.
"""

from __future__ import annotations

import numpy as np

from sim.demand import PROJECT
from sim.scenario import Scenario

NEVER = 10**9


class Schedule:
    """Switch, announcement and grandfathering weeks per region."""

    def __init__(self, sc: Scenario):
        regions = sc.market.regions
        n = len(regions)
        ro = sc.rollout
        if ro is None:
            self.switch = np.full(n, NEVER, dtype=np.int64)
            self.announce = self.switch.copy()
            self.grandfather_until = self.switch.copy()
            return
        pilot = np.array([r in ro.pilot_regions for r in regions])
        first = ro.pilot_week if ro.pilot_week is not None else ro.full_week
        self.switch = np.where(pilot, first, ro.full_week).astype(np.int64)
        self.announce = self.switch - ro.announce_weeks
        self.grandfather_until = self.switch + ro.grandfather_weeks

    def phase(self, week: int) -> np.ndarray:
        """Policy version per region this week."""
        return (week >= self.switch).astype(np.int64)

    def switching(self, week: int) -> np.ndarray:
        """Regions that switch to the strategy this week."""
        return np.flatnonzero(self.switch == week)

    def announced(self, week: int) -> np.ndarray:
        """Bool per region: the change is announced and not yet in force."""
        return (week >= self.announce) & (week < self.switch)

    def deal_versions(self, week: int, region: np.ndarray, segment: np.ndarray,
                      created_version: np.ndarray, has_brand_incumbent: np.ndarray) -> np.ndarray:
        """Policy version under which each deal decided this week is settled.

        A project deal keeps the version in force when it was created (deals already in
        tender at the change are decided under the rules they started with); a customer of
        a brand agent keeps the old rules during grandfathering.
        """
        v = self.phase(week)[region]
        v = np.where(segment == PROJECT, np.minimum(v, created_version), v)
        grandfathered = (week < self.grandfather_until[region]) & has_brand_incumbent
        return np.where(grandfathered, 0, v)
