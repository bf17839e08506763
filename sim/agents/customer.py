"""A customer: region, segment and incumbent supplier (its needs arrive as deals)."""

from __future__ import annotations

from sim.agents.base import BookAgent
from sim.scenario.market import SEGMENTS


class Customer(BookAgent):
    """A customer; its state lives in row ``idx`` of ``model.customers``.

    Customers do no work in a week without a need: demand arrives for all of them at
    once (``sim.demand``), so the model never iterates over idle customers.
    """

    @property
    def segment(self) -> str:
        """small, mid, key or project."""
        return SEGMENTS[self.model.customers.segment[self.idx]]

    @property
    def incumbent(self) -> str:
        """Name of the current supplier: a channel agent, 'competitor' or ''."""
        j = int(self.model.customers.incumbent[self.idx])
        book = self.model.book
        if j == book.competitor:
            return "competitor"
        return book.names[j] if j >= 0 else ""
