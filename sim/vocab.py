"""The model's vocabulary, defined once: roles, partner kinds, segments, states, tiers, time.

Each is an ``IntEnum``: the integer is the value stored in the model's arrays, the lower-case
name is the word used in scenario files and output tables (``Role.DISTRIBUTOR.label ==
"distributor"``). Scenario schemas, output tables and rules all read the words from here.
"""

from __future__ import annotations

from enum import IntEnum

WEEKS_PER_YEAR = 52
WEEKS_PER_QUARTER = 13
MONTHS_PER_YEAR = 12
WEEKS_PER_MONTH = WEEKS_PER_YEAR / MONTHS_PER_YEAR


class Vocabulary(IntEnum):
    """An integer code with a word: ``label`` is the name as scenario files write it."""

    @property
    def label(self) -> str:
        """The lower-case word for this code."""
        return self.name.lower()

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """Every word, in code order (``labels()[code]`` is the word of ``code``)."""
        return tuple(m.label for m in cls)

    @classmethod
    def of(cls, label: str) -> Vocabulary:
        """The member a word names (ValueError for an unknown word)."""
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"unknown {cls.__name__.lower()} {label!r}") from None


class Role(Vocabulary):
    """What a channel agent is."""

    DISTRIBUTOR = 0
    PARTNER = 1
    DIRECT = 2
    MARKETPLACE = 3


class Kind(Vocabulary):
    """What kind of partner (the array holds -1 for agents that are not partners)."""

    INTEGRATOR = 0
    DEALER = 1
    PROJECT = 2
    SERVICE = 3
    SPECIFIER = 4


NO_KIND = -1


class Segment(Vocabulary):
    """A customer segment."""

    SMALL = 0
    MID = 1
    KEY = 2
    PROJECT = 3


class State(Vocabulary):
    """A channel agent's contract state."""

    ACTIVE = 0
    ON_PAPER = 1  # contracted, but nothing sold, bought, specified or registered lately
    DEFECTED = 2
    REMOVED = 3
    NOT_CONTRACTED = 4


class Tier(Vocabulary):
    """A reseller's tier in a tiered programme."""

    BASE = 0
    SILVER = 1
    GOLD = 2


class DealStatus(Vocabulary):
    """Where a deal stands."""

    OPEN = 0
    WON = 1
    LOST = 2


ROLES = Role.labels()
KINDS = Kind.labels()
SEGMENTS = Segment.labels()
STATES = State.labels()
TIERS = Tier.labels()
# The channel columns of the KPI table, in the table's order; turnover is their sum in
# this order (the order of a floating-point sum fixes its last bits).
TURNOVER_CHANNELS = ("direct", "distributor", "partner", "marketplace")
