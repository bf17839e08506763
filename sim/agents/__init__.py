"""Mesa agents: customers and the four kinds of channel agent."""

from sim.agents.base import ChannelAgent
from sim.agents.customer import Customer
from sim.agents.direct_rep import DirectRep
from sim.agents.distributor import Distributor
from sim.agents.marketplace import Marketplace
from sim.agents.partner import Partner

__all__ = ["ChannelAgent", "Customer", "DirectRep", "Distributor", "Marketplace", "Partner"]
