"""Mesa agents as views on the populations: one per customer and per channel agent.

The numbers live in the populations' arrays (row ``idx``); a view reads them by name and
carries out the decisions that change several populations at once: a defection (the agent
goes over to the competitor with its customers and open specifications) and a removal
(the manufacturer ends the contract; its customers are left without a supplier). Either
breaks the customers' relationships, which the ledger counts.
"""

from __future__ import annotations

import numpy as np
from mesa.discrete_space import FixedAgent

from sim.agents.customers import NO_INCUMBENT
from sim.vocab import KINDS, ROLES, SEGMENTS, STATES, State


class RowAgent(FixedAgent):
    """A Mesa agent whose numbers live in row ``idx`` of one of the model's populations."""

    def __init__(self, model, idx: int, cell):
        super().__init__(model)
        self.idx = idx
        self.cell = cell


class Customer(RowAgent):
    """A customer; its state lives in row ``idx`` of ``model.customers``.

    Customers do no work in a week without a need: demand arrives for all of them at once
    (``Customers.raise_needs``), so the model never iterates over idle customers.
    """

    @property
    def segment(self) -> str:
        """small, mid, key or project."""
        return SEGMENTS[self.model.customers.segment[self.idx]]

    @property
    def incumbent(self) -> str:
        """Name of the current supplier: a channel agent, 'competitor' or ''."""
        j = int(self.model.customers.incumbent[self.idx])
        channel = self.model.channel
        if j == channel.competitor:
            return "competitor"
        return channel.names[j] if j >= 0 else ""


class ChannelAgent(RowAgent):
    """A channel agent; its per-week numbers live in row ``idx`` of ``model.channel``."""

    @property
    def name(self) -> str:
        """The agent's id in the output tables."""
        return self.model.channel.names[self.idx]

    @property
    def role(self) -> str:
        """distributor, partner, direct or marketplace."""
        return ROLES[self.model.channel.role[self.idx]]

    @property
    def commitment(self) -> float:
        """Commitment to the brand in [0, 1]."""
        return float(self.model.channel.commitment[self.idx])

    @property
    def state(self) -> str:
        """active, on_paper, defected, removed or not_contracted."""
        return STATES[self.model.channel.state[self.idx]]

    def defect(self) -> None:
        """Go over to the competitor, taking customers and open specifications along."""
        m, j = self.model, self.idx
        m.channel.state[j] = State.DEFECTED
        moved = m.customers.drop_supplier(j, to=m.channel.competitor)
        m.ledger.broken(np.full(len(moved), m.channel.role[j]), m.customers.segment[moved])
        m.deals.drop_agent(j, to_competitor=True)
        m.channel.assign_suppliers()

    def leave(self) -> None:
        """Leave the network (pruned by the manufacturer); customers become unattached."""
        m, j = self.model, self.idx
        m.channel.state[j] = State.REMOVED
        moved = m.customers.drop_supplier(j, to=NO_INCUMBENT)
        m.ledger.broken(np.full(len(moved), m.channel.role[j]), m.customers.segment[moved])
        m.deals.drop_agent(j, to_competitor=False)
        m.channel.assign_suppliers()


class Distributor(ChannelAgent):
    """A distributor; its stock is row ``stock_row`` of ``model.distributors``."""

    @property
    def stock_row(self) -> int:
        """Row of this distributor in the stock arrays."""
        return self.model.distributors.row_of[self.idx]

    @property
    def on_hand(self) -> float:
        """Units on hand across product lines."""
        return float(self.model.distributors.on_hand[self.stock_row].sum())


class Partner(ChannelAgent):
    """A partner; its kind decides expertise, spec-in and two-tier buying."""

    @property
    def kind(self) -> str:
        """integrator, dealer, project, service or specifier."""
        return KINDS[self.model.channel.kind[self.idx]]

    def retype(self, kind: str) -> None:
        """Change the partner's kind (a network change of the strategy)."""
        self.model.channel.retype(self.idx, kind)


class DirectRep(ChannelAgent):
    """A direct rep; what it pursues follows the policy's accounts and compensation plan."""


class Marketplace(ChannelAgent):
    """The brand's marketplace listing; it sells only where the policy enables it."""
