"""Scenario schema, part 1: the market the manufacturer does not control.

Every section forbids unknown keys, so a typo in a scenario file is an error,
not a silently ignored setting. Money is in the scenario's currency; time in weeks.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.vocab import KINDS, ROLES, SEGMENTS

# Bounds that keep every valid scenario computable: a number beyond them is a typo or a
# unit mistake, and the memory check (``sim.experiments.preflight``) refuses runs that would
# not fit.
MAX_NUMBER = 1e9       # any weight, rate or size
MAX_MONEY = 1e12       # any amount of money
MAX_WEEKS = 5200       # any horizon or duration: a hundred years of weeks
MAX_COUNT = 100_000    # agents of one kind
MAX_CUSTOMERS = 10_000_000

Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_NUMBER, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, le=MAX_NUMBER, allow_inf_nan=False)]
Finite = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY, allow_inf_nan=False)]
PositiveMoney = Annotated[float, Field(gt=0.0, le=MAX_MONEY, allow_inf_nan=False)]
NonNegInt = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PositiveInt = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Weeks = Annotated[int, Field(ge=1, le=MAX_WEEKS)]
WeeksOrNone = Annotated[int, Field(ge=0, le=MAX_WEEKS)]

# The words a scenario file may use, from the one vocabulary (``sim.vocab``).
Segment = Literal[SEGMENTS]
Role = Literal[ROLES]
PartnerKind = Literal[KINDS]


class Strict(BaseModel):
    """Base of every schema section: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Range(Strict):
    """A closed interval ``[low, high]``."""

    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low: must not exceed high ({self.low} > {self.high})")
        return self


class WeekRange(Range):
    """A range of whole weeks ``[low, high]``, both at least 0."""

    low: WeeksOrNone
    high: WeeksOrNone


class FractionRange(Range):
    """A range ``[low, high]`` inside [0, 1]."""

    low: Fraction
    high: Fraction


class DealSize(Strict):
    """Units per deal: lognormal with the given mean and log-sd."""

    units_mean: Positive = 5.0
    units_sigma: NonNeg = 0.6


def _per_segment(value: float) -> dict[str, float]:
    return {s: value for s in SEGMENTS}


class Market(Strict):
    """Regions, customers and their demand."""

    regions: list[str] = Field(min_length=1)
    region_links: list[tuple[str, str]] | None = Field(
        None, description="Neighbouring regions; default: a ring in the order listed."
    )
    region_weights: dict[str, NonNeg] | None = Field(
        None, description="Relative number of customers per region; default equal."
    )
    customers: Annotated[int, Field(ge=1, le=MAX_CUSTOMERS)] = 500
    segment_shares: dict[Segment, Fraction] = Field(
        default_factory=lambda: {"small": 0.6, "mid": 0.25, "key": 0.05, "project": 0.10}
    )
    deal_rate: dict[Segment, NonNeg] = Field(
        default_factory=lambda: {"small": 0.08, "mid": 0.12, "key": 0.25, "project": 0.03},
        description="Deals per customer per week (Poisson).",
    )
    deal_size: dict[Segment, DealSize] = Field(
        default_factory=lambda: {
            "small": DealSize(units_mean=2.0),
            "mid": DealSize(units_mean=6.0),
            "key": DealSize(units_mean=20.0),
            "project": DealSize(units_mean=60.0, units_sigma=0.8),
        }
    )
    spec_weeks: WeekRange = Field(default_factory=lambda: WeekRange(low=4, high=12))
    tender_weeks: WeekRange = Field(default_factory=lambda: WeekRange(low=2, high=8))
    growth: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    competitor_incumbent_share: Fraction = 0.4
    street_discount: dict[Segment, Fraction] = Field(
        default_factory=lambda: {"small": 0.05, "mid": 0.10, "key": 0.18, "project": 0.20},
        description="Discount off list a customer of the segment expects.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Market:
        self._check_regions()
        total = sum(self.segment_shares.get(s, 0.0) for s in SEGMENTS)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment_shares: must sum to 1 (got {total:g})")
        for field in ("deal_rate", "deal_size", "street_discount"):
            missing = [s for s in SEGMENTS if s not in getattr(self, field)]
            if missing:
                raise ValueError(f"{field}: lacks segments {missing}")
        return self

    def _check_regions(self) -> None:
        if len(set(self.regions)) != len(self.regions):
            raise ValueError("regions: must be unique")
        known = set(self.regions)
        for a, b in self.region_links or []:
            for r in (a, b):
                if r not in known:
                    raise ValueError(f"region_links: unknown region '{r}'")
        for r in self.region_weights or {}:
            if r not in known:
                raise ValueError(f"region_weights: unknown region '{r}'")
        if self.region_weights and not any(
                self.region_weights.get(r, 1.0) > 0 for r in self.regions):
            raise ValueError("region_weights: every region has weight 0; no customer would "
                             "be placed anywhere")


class Competitor(Strict):
    """The competitor brand: the outside option in every choice."""

    aggressiveness: Fraction = 0.5
    max_extra_discount: Fraction = 0.10
    delivery_weeks: NonNeg = 2.0
    expertise: Fraction = 0.5


class Choice(Strict):
    """Customer utility weights for the multinomial logit (see ``sim.rules.choice``)."""

    price: NonNeg = 8.0
    delivery: NonNeg = 0.15
    expertise: NonNeg = 1.5
    relationship: NonNeg = 1.0
    specification: NonNeg = 2.0
    brand_constant: Finite = 0.0
    noise_scale: Positive = 1.0


class Product(Strict):
    """A product line."""

    name: str
    list_price: PositiveMoney
    unit_cost: PositiveMoney
    complexity: Fraction = 0.3
    stocked: bool = True
    mix: dict[Segment, NonNeg] = Field(
        default_factory=lambda: _per_segment(1.0),
        description="Relative weight of this line among a segment's deals.",
    )

    @model_validator(mode="after")
    def _cost_below_list(self) -> Product:
        if self.unit_cost >= self.list_price:
            raise ValueError("unit_cost: must be below list_price")
        return self


class Network(Strict):
    """The channel network as contracted at the start."""

    distributors: NonNegInt = 5
    partners: dict[PartnerKind, NonNegInt] = Field(
        default_factory=lambda: {"integrator": 3, "dealer": 4, "project": 2, "service": 2,
                                 "specifier": 2}
    )
    direct_reps: NonNegInt = 2
    marketplace: bool = True
    size_sigma: NonNeg = Field(1.0, description="Log-sd of agents' size (reach heterogeneity).")
    initial_commitment: FractionRange = Field(
        default_factory=lambda: FractionRange(low=0.3, high=0.8))
