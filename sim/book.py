"""Per-agent numbers the market reads every week, held in arrays the rules score at once.

Each channel agent (a Mesa agent in ``sim.agents``) owns row ``idx`` of these arrays;
the customers own rows of :class:`CustomerBook`. Indices are stable for the whole run:
an agent that leaves keeps its row with a state that bars it from the market.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.rules.commitment import ACTIVE, INACTIVE

DIST, PART, DIRECT, MARKET = 0, 1, 2, 3
ROLE_NAMES = ("distributor", "partner", "direct", "marketplace")
KIND_NAMES = ("integrator", "dealer", "project", "service", "specifier")
DEALER = KIND_NAMES.index("dealer")
SPECIFIER = KIND_NAMES.index("specifier")
NO_INCUMBENT = -1
TRAIL = 52  # weeks of sell-through kept for concentration measures


@dataclass
class CustomerBook:
    """Customers: where they are, who they buy from."""

    region: np.ndarray
    segment: np.ndarray
    incumbent: np.ndarray  # channel agent index, COMPETITOR (= n agents), or NO_INCUMBENT

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.region)


@dataclass
class ChannelBook:
    """State of every channel agent (distributors, partners, direct reps, marketplace)."""

    role: np.ndarray
    kind: np.ndarray  # partner kind index, -1 for other roles
    region: np.ndarray
    size: np.ndarray
    alt_margin: np.ndarray
    commitment: np.ndarray
    state: np.ndarray
    tier: np.ndarray
    supplier: np.ndarray  # a dealer's distributor in two-tier buying, -1 if none
    names: list[str]
    trained: np.ndarray = field(init=False)
    weeks_low: np.ndarray = field(init=False)
    commitment_ref: np.ndarray = field(init=False)
    margin_real: np.ndarray = field(init=False)
    margin_ref: np.ndarray = field(init=False)
    sell_through_ewma: np.ndarray = field(init=False)
    purchases_ewma: np.ndarray = field(init=False)
    incentives_ewma: np.ndarray = field(init=False)
    conflicts_lost_ewma: np.ndarray = field(init=False)
    trailing: np.ndarray = field(init=False)  # [TRAIL, n] weekly sell-through ring
    week: dict[str, np.ndarray] = field(init=False)  # this week's per-agent counters

    WEEKLY = ("sell_through", "margin_money", "purchases", "incentives", "conflicts_lost",
              "units_won", "deals_won")

    def __post_init__(self) -> None:
        n = len(self.role)
        self.trained = np.zeros(n, dtype=bool)
        self.weeks_low = np.zeros(n, dtype=np.int64)
        self.commitment_ref = self.commitment.copy()
        self.margin_real = np.zeros(n)
        self.margin_ref = np.zeros(n)
        self.sell_through_ewma = np.zeros(n)
        self.purchases_ewma = np.zeros(n)
        self.incentives_ewma = np.zeros(n)
        self.conflicts_lost_ewma = np.zeros(n)
        self.trailing = np.zeros((TRAIL, n))
        self.week = {k: np.zeros(n) for k in self.WEEKLY}

    @property
    def n(self) -> int:
        """Number of channel agents (the competitor's option index)."""
        return len(self.role)

    @property
    def competitor(self) -> int:
        """Index used for the competitor brand in choices and incumbency."""
        return len(self.role)

    def contracted(self) -> np.ndarray:
        """Mask of distributors and partners under contract (active or on paper)."""
        return self.channel_partners() & ((self.state == ACTIVE) | (self.state == INACTIVE))

    def channel_partners(self) -> np.ndarray:
        """Mask of distributors and partners (the agents whose commitment moves)."""
        return (self.role == DIST) | (self.role == PART)

    def reset_week(self) -> None:
        """Zero this week's counters."""
        for arr in self.week.values():
            arr.fill(0.0)
