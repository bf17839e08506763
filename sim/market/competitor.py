"""The competitor brand: the outside option in every customer's choice, and its answer.

Its offer on a deal: the segment's street price less its extra discount (at the start
``aggressiveness x max_extra_discount``), its delivery time for stocked lines (made-to-order
lines take the made-to-order time, as for everyone) and its expertise. It answers a lost
share: each week its extra discount moves toward the one that would win the share back
(``sim.rules.market.restoring_discount``), at ``competitor.response`` per week, never below
no extra discount nor below its own margin floor (``competitor.min_price`` of list). Its
normal share is the one it had when the run began (a 13-week average at the end of the
warm-up); its share now, a 13-week average.
"""

from __future__ import annotations

import numpy as np

from sim.rules.market import restoring_discount
from sim.scenario import Scenario
from sim.vocab import SEGMENTS, WEEKS_PER_QUARTER

SHARE_MEMORY = 1.0 / WEEKS_PER_QUARTER   # its share now: a 13-week average


class Competitor:
    """The competitor's terms, the same in every region."""

    def __init__(self, sc: Scenario, stocked: np.ndarray):
        c = sc.competitor
        self.street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
        self.extra_discount = c.aggressiveness * c.max_extra_discount
        self.response = c.response
        self.price_weight = sc.choice.price
        # highest extra discount that keeps every segment's price at or above its floor
        self.most = max(0.0, float((1.0 - self.street).min()) - c.min_price)
        self.reference: float | None = None
        self.share: float | None = None
        self.delivery_weeks = c.delivery_weeks
        self.made_to_order_weeks = sc.behaviour.pricing.made_to_order_weeks
        self.expertise = c.expertise
        self.stocked = stocked

    def offer(self, segment: np.ndarray, product: np.ndarray):
        """``(price over list, delivery weeks, expertise)`` of its offer on each deal."""
        price_rel = 1.0 - self.street[segment] - self.extra_discount
        delivery = np.where(self.stocked[product], self.delivery_weeks,
                            self.made_to_order_weeks)
        return price_rel, delivery, self.expertise

    def observe(self, week: int, won: int, decided: int) -> None:
        """Count this week's deals: how many it won of those decided."""
        if decided:
            now = won / decided
            self.share = now if self.share is None else self.share + SHARE_MEMORY * (
                now - self.share)
        if week >= 1 and self.reference is None and self.share is not None:
            self.reference = self.share      # its normal: the share it had as the run began

    def respond(self) -> None:
        """Move its extra discount toward winning back the share it lost (if it answers)."""
        if self.response == 0 or self.reference is None:
            return
        gap = self.reference - self.share
        self.extra_discount = restoring_discount(self.extra_discount, gap, self.price_weight,
                                                 self.share, self.response, 0.0, self.most)
