"""Who acts in the market: one population per role, and Mesa agents as views on them.

* :class:`~sim.agents.customers.Customers` raise deals and choose among offers;
* :class:`~sim.agents.channel.ChannelAgents` put effort into the market, hear of deals and
  quote (``sim.agents.motivation`` moves their commitment and tiers);
* :class:`~sim.agents.distributors.Distributors` hold stock, deliver and replenish;
* :class:`~sim.agents.partners.Partners` spec the brand into projects and register them.
"""

from sim.agents.views import (
    ChannelAgent,
    Customer,
    DirectRep,
    Distributor,
    Marketplace,
    Partner,
)

__all__ = ["ChannelAgent", "Customer", "DirectRep", "Distributor", "Marketplace", "Partner"]
