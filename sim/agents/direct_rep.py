"""A direct rep: the manufacturer's own salesperson."""

from __future__ import annotations

from sim.agents.base import ChannelAgent


class DirectRep(ChannelAgent):
    """A direct rep; what it pursues follows the policy's accounts and compensation plan."""
