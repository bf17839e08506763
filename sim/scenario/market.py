"""Scenario schema, part 1: the market the manufacturer does not control.

Every section forbids unknown keys, so a typo in a scenario file is an error,
not a silently ignored setting. Money is in the scenario's currency; time in weeks.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.about import setting
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

    low: Finite = setting(meaning="Lowest value.", basis="data")
    high: Finite = setting(meaning="Highest value.", basis="data")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low: must not exceed high ({self.low} > {self.high})")
        return self


class WeekRange(Range):
    """A range of whole weeks ``[low, high]``, both at least 0."""

    low: WeeksOrNone = setting(meaning="Fewest weeks.", unit="weeks", basis="data")
    high: WeeksOrNone = setting(meaning="Most weeks.", unit="weeks", basis="data")


class FractionRange(Range):
    """A range ``[low, high]`` inside [0, 1]."""

    low: Fraction = setting(meaning="Lowest value.", basis="assumption")
    high: Fraction = setting(meaning="Highest value.", basis="assumption")


class DealSize(Strict):
    """Units per deal: lognormal with the given mean and log-sd."""

    units_mean: Positive = setting(5.0, "Mean units of product in a deal of the segment.",
                                   unit="units", basis="data")
    units_sigma: NonNeg = setting(0.6, "Log-standard deviation of units per deal.",
                                  plausible=(0.3, 1.0), basis="data")


def _per_segment(value: float) -> dict[str, float]:
    return {s: value for s in SEGMENTS}


def _deal_sizes() -> dict[str, DealSize]:
    return {"small": DealSize(units_mean=2.0), "mid": DealSize(units_mean=6.0),
            "key": DealSize(units_mean=20.0),
            "project": DealSize(units_mean=60.0, units_sigma=0.8)}


class Market(Strict):
    """Regions, customers and their demand."""

    regions: list[str] = setting(meaning="The regions of the market.", basis="data",
                                 min_length=1)
    region_links: list[tuple[str, str]] | None = setting(
        None, "Pairs of neighbouring regions (default: a ring in the order listed).",
        basis="data")
    region_weights: dict[str, NonNeg] | None = setting(
        None, "Relative number of customers per region (default: equal).", basis="data")
    customers: Annotated[int, Field(ge=1, le=MAX_CUSTOMERS)] = setting(
        500, "Customers in the market (buyers of the brand or the competitor).",
        unit="customers", basis="data")
    segment_shares: dict[Segment, Fraction] = setting(
        meaning="Share of customers in each segment (sums to 1).", basis="data",
        factory=lambda: {"small": 0.6, "mid": 0.25, "key": 0.05, "project": 0.10})
    deal_rate: dict[Segment, NonNeg] = setting(
        meaning="Deals a customer of the segment raises per week (Poisson mean).",
        unit="deals per customer-week", basis="data",
        factory=lambda: {"small": 0.08, "mid": 0.12, "key": 0.25, "project": 0.03})
    deal_size: dict[Segment, DealSize] = setting(
        meaning="Units per deal by segment.", basis="data", factory=_deal_sizes)
    spec_weeks: WeekRange = setting(
        meaning="Weeks a project spends in its specification phase (uniform in the range).",
        unit="weeks", basis="data", factory=lambda: WeekRange(low=4, high=12))
    tender_weeks: WeekRange = setting(
        meaning="Weeks a project's tender lasts after its specification (uniform).",
        unit="weeks", basis="data", factory=lambda: WeekRange(low=2, high=8))
    growth: Annotated[float, Field(ge=-0.9, le=2.0)] = setting(
        0.0, "Growth of the market's deal rates per year.", unit="fraction per year",
        plausible=(-0.05, 0.1), basis="data")
    seasonality: list[Positive] | None = setting(
        None, "Twelve monthly factors of deal arrival (normalised to a mean of 1 over the "
        "year; none: no seasons).", basis="data")
    competitor_incumbent_share: Fraction = setting(
        0.4, "Share of customers who buy the competitor's brand at the start.",
        plausible=(0.2, 0.7), basis="data")
    street_discount: dict[Segment, Fraction] = setting(
        meaning="Discount off list a customer of the segment expects (the street price).",
        unit="fraction of list", basis="data",
        factory=lambda: {"small": 0.05, "mid": 0.10, "key": 0.18, "project": 0.20})

    @model_validator(mode="after")
    def _consistent(self) -> Market:
        self._check_regions()
        self._check_seasons()
        total = sum(self.segment_shares.get(s, 0.0) for s in SEGMENTS)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment_shares: must sum to 1 (got {total:g})")
        for field in ("deal_rate", "deal_size", "street_discount"):
            missing = [s for s in SEGMENTS if s not in getattr(self, field)]
            if missing:
                raise ValueError(f"{field}: lacks segments {missing}")
        return self

    def _check_seasons(self) -> None:
        if self.seasonality is not None and len(self.seasonality) != 12:
            raise ValueError(f"seasonality: needs 12 monthly factors (got "
                             f"{len(self.seasonality)})")

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

    aggressiveness: Fraction = setting(
        0.5, "How much of its largest extra discount the competitor uses.",
        plausible=(0.3, 0.8), basis="assumption")
    max_extra_discount: Fraction = setting(
        0.10, "The competitor's largest discount below the street price.",
        unit="fraction of list", plausible=(0.05, 0.15), basis="assumption")
    delivery_weeks: NonNeg = setting(2.0, "The competitor's delivery time for stocked lines.",
                                     unit="weeks", plausible=(1, 4), basis="data")
    expertise: Fraction = setting(0.5, "The competitor's sellers' expertise.",
                                  plausible=(0.3, 0.8), basis="assumption")
    response: Fraction = setting(
        0.0, "How fast the competitor's extra discount moves to win back the share it lost "
        "(0: it never answers).", unit="per week", plausible=(0.0, 0.3), basis="assumption",
        cite="no direct evidence for B2B rivals; firms adjust prices to shocks with a lag of "
        "about a quarter (Blinder 1991)")
    min_price: Fraction = setting(
        0.65, "The lowest price the competitor quotes, as a fraction of list (its margin "
        "floor).", unit="fraction of list", plausible=(0.55, 0.8), basis="data")


class Choice(Strict):
    """How customers choose: utility weights and the nested logit's parameters.

    See ``sim.rules.choice`` and ``docs/model.md`` (choice).
    """

    price: NonNeg = setting(8.0, "Utility lost per unit of price over list.",
                            unit="per unit of price/list", plausible=(6.0, 10.0),
                            basis="assumption")
    delivery: NonNeg = setting(0.15, "Utility lost per week of delivery.", unit="per week",
                               plausible=(0.05, 0.3), basis="assumption")
    expertise: NonNeg = setting(1.5, "Utility of the seller's expertise on a complex product.",
                                unit="per unit of complexity x expertise",
                                plausible=(0.5, 2.5), basis="assumption")
    relationship: NonNeg = setting(1.0, "Utility of buying again from the incumbent supplier.",
                                   plausible=(0.5, 2.0), basis="assumption")
    specification: NonNeg = setting(
        2.0, "Utility of the brand being specified into the project (negative for the "
        "competitor's specification).", plausible=(1.0, 3.0), basis="assumption")
    brand_constant: dict[Segment, Finite] = setting(
        meaning="Utility of the brand over the competitor, all else equal, by segment (one "
        "number: the same in every segment).", plausible=(-0.5, 0.5), basis="assumption",
        factory=lambda: _per_segment(0.0))
    noise_scale: Positive = setting(1.0, "Scale of the choice noise (weights are relative to "
                                    "it).", basis="convention")
    brand_nest: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = setting(
        0.5, "Dissimilarity of the brand's nest of offers: 1, each offer is a separate "
        "alternative (plain logit); toward 0, only the brand's best offer counts.",
        plausible=(0.3, 0.8), basis="literature",
        cite="published nested-logit estimates reject 1 and mostly lie between 0.2 and 0.8; "
        "same product through several channels argues for the lower half (docs/model.md)")

    @field_validator("brand_constant", mode="before")
    @classmethod
    def _one_number_for_every_segment(cls, value):
        # Files written before the constant went by segment (#22) give one number.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _per_segment(float(value))
        return value

    @model_validator(mode="after")
    def _every_segment(self) -> Choice:
        missing = [s for s in SEGMENTS if s not in self.brand_constant]
        if missing:
            raise ValueError(f"brand_constant: lacks segments {missing} (or give one number)")
        return self


class Product(Strict):
    """A product line."""

    name: str = setting(meaning="The line's name.", basis="data")
    list_price: PositiveMoney = setting(meaning="List price per unit.", unit="money",
                                        basis="data")
    unit_cost: PositiveMoney = setting(meaning="The manufacturer's cost per unit.",
                                       unit="money", basis="data")
    complexity: Fraction = setting(0.3, "How much the line needs an expert seller (0 to 1).",
                                   plausible=(0.0, 1.0), basis="data")
    stocked: bool = setting(True, "Distributors stock the line (else it is made to order).",
                            basis="data")
    mix: dict[Segment, NonNeg] = setting(
        meaning="Relative weight of this line among a segment's deals.", basis="data",
        factory=lambda: _per_segment(1.0))

    @model_validator(mode="after")
    def _cost_below_list(self) -> Product:
        if self.unit_cost >= self.list_price:
            raise ValueError("unit_cost: must be below list_price")
        return self


class Network(Strict):
    """The channel network as contracted at the start."""

    distributors: NonNegInt = setting(5, "Distributors under contract.", unit="agents",
                                      basis="data")
    partners: dict[PartnerKind, NonNegInt] = setting(
        meaning="Partners under contract, by kind.", unit="agents", basis="data",
        factory=lambda: {"integrator": 3, "dealer": 4, "project": 2, "service": 2,
                         "specifier": 2})
    direct_reps: NonNegInt = setting(2, "The manufacturer's own sales reps.", unit="reps",
                                     basis="data")
    rep_deals_per_week: NonNeg = setting(
        8.0, "Opportunities a rep can work in a week (its effort budget).",
        unit="opportunities per week", plausible=(4.0, 15.0), basis="data")
    rep_open_deals: PositiveInt = setting(
        30, "Open deals a rep can hold at once, projects in tender included; past it the "
        "lowest-margin ones are dropped.", unit="deals", plausible=(15, 60), basis="data")
    marketplace: bool = setting(True, "A marketplace listing exists (it sells only where the "
                                "policy enables it).", basis="data")
    size_sigma: NonNeg = setting(1.0, "Log-standard deviation of agents' sizes (a few big, many "
                                 "small).", plausible=(1.0, 2.0), basis="data")
    initial_commitment: FractionRange = setting(
        meaning="Range of the agents' commitment to the brand at the start.",
        basis="assumption", factory=lambda: FractionRange(low=0.3, high=0.8))
    roster: str | None = setting(
        None, "The client's own channel agents (CSV or .xlsx, one row per distributor, partner, "
        "direct team and marketplace listing; path relative to the scenario file); replaces "
        "the counts above.", basis="data")
    accounts: str | None = setting(
        None, "The client's customers (CSV or .xlsx: id, name, region, segment, annual_spend, "
        "incumbent; needs a roster); replaces market.customers and the drawn incumbents.",
        basis="data")
    solved: str | None = setting(
        None, "Each roster agent's size, starting commitment and outside option, solved so "
        "that the baseline reproduces the roster's annual figures (CSV: id, size, commitment "
        "[, alternative_margin]; written by channelsim fit-roster).", basis="data")
    seed: NonNegInt = setting(
        1, "Seed of the network's draws (sizes, homes, starting commitment, synthetic "
        "customers): the same companies in every future; a replication's luck is demand, "
        "choice and behaviour only.", basis="convention")

    @model_validator(mode="after")
    def _accounts_need_roster(self) -> Network:
        if self.solved is not None and self.roster is None:
            raise ValueError("solved: solved starting points are per roster agent; give "
                             "network.roster too")
        if self.accounts is not None and self.roster is None:
            raise ValueError("accounts: an accounts file names its incumbents by roster id; "
                             "give network.roster too")
        return self
