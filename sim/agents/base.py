"""What every channel agent shares: a row of the channel book and a home region."""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

from sim.book import NO_INCUMBENT, ROLE_NAMES
from sim.rules.commitment import DEFECTED, REMOVED, STATE_NAMES


class BookAgent(FixedAgent):
    """A Mesa agent whose numbers live in row ``idx`` of one of the model's books."""

    def __init__(self, model, idx: int, cell):
        super().__init__(model)
        self.idx = idx
        self.cell = cell


class ChannelAgent(BookAgent):
    """A channel agent; its per-week numbers live in row ``idx`` of ``model.book``."""

    @property
    def name(self) -> str:
        """The agent's id in the output tables."""
        return self.model.book.names[self.idx]

    @property
    def role(self) -> str:
        """distributor, partner, direct or marketplace."""
        return ROLE_NAMES[self.model.book.role[self.idx]]

    @property
    def commitment(self) -> float:
        """Commitment to the brand in [0, 1]."""
        return float(self.model.book.commitment[self.idx])

    @property
    def state(self) -> str:
        """active, inactive, defected, removed or not_contracted."""
        return STATE_NAMES[self.model.book.state[self.idx]]

    def defect(self) -> None:
        """Go over to the competitor, taking customers and open specifications along."""
        m, j = self.model, self.idx
        m.book.state[j] = DEFECTED
        lost = m.customers.incumbent == j
        m.customers.incumbent[lost] = m.book.competitor
        self._drop_open_deals(to_competitor=True)
        m.reassign_suppliers()

    def leave(self) -> None:
        """Leave the network (pruned by the manufacturer); customers become unattached."""
        m, j = self.model, self.idx
        m.book.state[j] = REMOVED
        m.customers.incumbent[m.customers.incumbent == j] = NO_INCUMBENT
        self._drop_open_deals(to_competitor=False)
        m.reassign_suppliers()

    def _drop_open_deals(self, to_competitor: bool) -> None:
        deals = self.model.deals
        open_rows = deals.open_rows()
        mine = open_rows[deals.spec_agent[open_rows] == self.idx]
        if to_competitor:
            deals.spec[mine] = -1
        deals.spec_agent[mine] = -1
        reg = open_rows[deals.registered[open_rows] == self.idx]
        deals.registered[reg] = -1
