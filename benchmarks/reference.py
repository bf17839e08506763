"""The Mesa reference model of the benchmarks: Boltzmann wealth, exactly as the issue defines it.

Agents each hold ``wealth = 1``; ``step()`` is ``self.agents.shuffle_do("step")``; each
agent with positive wealth gives one unit to ``self.random.choice(pool)``, ``pool`` being
a plain Python list of all agents made once.
"""

from __future__ import annotations

import mesa


class WealthAgent(mesa.Agent):
    """An agent holding wealth."""

    def __init__(self, model):
        super().__init__(model)
        self.wealth = 1

    def step(self):
        """Give one unit to a random agent when there is something to give."""
        if self.wealth > 0:
            other = self.random.choice(self.model.pool)
            other.wealth += 1
            self.wealth -= 1


class WealthModel(mesa.Model):
    """Mesa's simplest model over ``n`` agents."""

    def __init__(self, n: int, rng=None):
        super().__init__(rng=rng)
        for _ in range(n):
            WealthAgent(self)
        self.pool = list(self.agents)

    def step(self):
        """Every agent acts once, in random order."""
        self.agents.shuffle_do("step")
