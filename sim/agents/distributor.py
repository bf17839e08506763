"""A distributor: holds stock, delivers fast in its region, buys from the manufacturer."""

from __future__ import annotations

from sim.agents.base import ChannelAgent


class Distributor(ChannelAgent):
    """A distributor; its stock is row ``stock_row`` of ``model.stock``."""

    @property
    def stock_row(self) -> int:
        """Row of this distributor in the stock arrays."""
        return self.model.stock.row_of[self.idx]

    @property
    def on_hand(self) -> float:
        """Units on hand across product lines."""
        return float(self.model.stock.on_hand[self.stock_row].sum())
