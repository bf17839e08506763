"""The online marketplace: price-transparent, always open, little service."""

from __future__ import annotations

from sim.agents.base import ChannelAgent


class Marketplace(ChannelAgent):
    """The brand's marketplace listing; it sells only where the policy enables it."""
