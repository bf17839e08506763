"""A partner: integrator, dealer, project or service company, or specifier."""

from __future__ import annotations

from sim.agents.base import ChannelAgent
from sim.book import KIND_NAMES


class Partner(ChannelAgent):
    """A partner; its kind decides expertise, spec-in and two-tier buying."""

    @property
    def kind(self) -> str:
        """integrator, dealer, project, service or specifier."""
        return KIND_NAMES[self.model.book.kind[self.idx]]

    def retype(self, kind: str) -> None:
        """Change the partner's kind (a network change of the strategy)."""
        self.model.book.kind[self.idx] = KIND_NAMES.index(kind)
        self.model.reassign_suppliers()
