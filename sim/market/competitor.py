"""The competitor brand: the outside option in every customer's choice.

Its offer on a deal: the segment's street price less its extra discount
(``aggressiveness x max_extra_discount``), its delivery time for stocked lines (made-to-order
lines take the made-to-order time, as for everyone) and its expertise.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Scenario
from sim.vocab import SEGMENTS


class Competitor:
    """The competitor's terms, the same in every region."""

    def __init__(self, sc: Scenario, stocked: np.ndarray):
        c = sc.competitor
        self.street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
        self.extra_discount = c.aggressiveness * c.max_extra_discount
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
