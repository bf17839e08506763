"""Scenario schema, part 2: how channel agents behave (reach, pricing, stock, motivation)."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.market import (
    Finite,
    Fraction,
    Money,
    NonNeg,
    Role,
    Segment,
    Strict,
    Weeks,
    WeeksOrNone,
)
from sim.vocab import KINDS, ROLES, SEGMENTS


def _reach_default() -> dict[str, dict[str, float]]:
    return {
        "distributor": {"small": 0.35, "mid": 0.45, "key": 0.30, "project": 0.20},
        "partner": {"small": 0.15, "mid": 0.30, "key": 0.20, "project": 0.45},
        "direct": {"small": 0.05, "mid": 0.20, "key": 0.60, "project": 0.30},
        "marketplace": {"small": 0.30, "mid": 0.10, "key": 0.02, "project": 0.0},
    }


class Reach(Strict):
    """Probability that a channel agent learns of a deal (before effort and size)."""

    base: dict[Role, dict[Segment, Fraction]] = Field(default_factory=_reach_default)
    neighbour: Fraction = Field(0.3, description="Factor for a deal in a neighbouring region.")
    remote: Fraction = Field(0.05, description="Factor for a deal in any other region.")
    incumbent: Fraction = Field(0.9, description="Chance the customer's incumbent hears of it.")
    effort_exponent: NonNeg = 0.5
    inactive_effort: Fraction = 0.2
    max_reach: Fraction = Field(0.98, description="Highest chance of hearing of a deal.")
    incumbent_effort_share: Fraction = Field(
        0.5, description="Share of the incumbent's chance that follows its effort.")

    @model_validator(mode="after")
    def _complete(self) -> Reach:
        for role in ROLES:
            table = self.base.get(role)
            if table is None or any(s not in table for s in SEGMENTS):
                raise ValueError(f"base.{role}: needs every role and segment")
        return self


class Margins(Strict):
    """Markup targets and floors of reselling agents, as fractions of the selling price."""

    distributor_floor: Fraction = 0.06
    partner_floor: Fraction = 0.08
    direct_max_discount: Fraction = 0.25
    price_war_step: Fraction = Field(0.04, description="Extra discount per rival brand bidder.")


class Pricing(Strict):
    """What agents quote and how well they serve."""

    margins: Margins = Field(default_factory=Margins)
    expertise: dict[str, Fraction] = Field(
        default_factory=lambda: {
            "distributor": 0.4, "direct": 0.7, "marketplace": 0.0, "integrator": 1.0,
            "dealer": 0.5, "project": 0.9, "service": 0.8, "specifier": 0.0,
        }
    )
    expertise_commitment_share: Fraction = Field(
        0.5, description="Share of a reseller's expertise that follows its commitment.")
    in_stock_weeks: NonNeg = 1.0
    factory_weeks: NonNeg = 2.0
    made_to_order_weeks: NonNeg = 8.0
    spec_in: Fraction = Field(0.35, description="Chance a committed partner specs the brand in.")
    spec_bonus_half: Money = Field(
        1000.0, description="Spec-in bonus (money) that raises the spec-in chance by half."
    )
    competitor_spec_in: Fraction = Field(
        0.3, description="Chance the competitor is specified where the brand is not."
    )

    @model_validator(mode="after")
    def _expertise_complete(self) -> Pricing:
        needed = ("distributor", "direct", "marketplace", *KINDS)
        missing = [k for k in needed if k not in self.expertise]
        if missing:
            raise ValueError(f"expertise: lacks {missing}")
        unknown = [k for k in self.expertise if k not in needed]
        if unknown:
            raise ValueError(f"expertise: unknown role or kind {unknown}")
        return self


class Inventory(Strict):
    """Distributors' replenishment: order-up-to on a moving-average forecast."""

    lead_time: Weeks = 2
    forecast_weeks: Weeks = 8
    safety_weeks: NonNeg = 3.0
    destocking: bool = True
    destock_elasticity: NonNeg = Field(
        2.5, description="Relative fall in cover per relative fall in margin or commitment."
    )
    min_cover_factor: Fraction = 0.3
    forward_buying: bool = True
    forward_weeks: NonNeg = 4.0
    rebate_loading: bool = True
    loading_weeks: Weeks = 3
    loading_reach: Fraction = Field(0.25, description="Load if the next tier is this close.")


class Commitment(Strict):
    """Drivers of commitment to the brand (see ``sim.rules.commitment``)."""

    speed: Fraction = 0.08
    bias: Finite = -0.5
    alternative_margin: Fraction = Field(0.18, description="Margin on the competitor's line.")
    margin_weight: NonNeg = 8.0
    incentive_weight: NonNeg = 20.0
    training_weight: NonNeg = 0.6
    tier_weight: NonNeg = 0.3
    volume_weight: NonNeg = 0.6
    conflict_weight: NonNeg = 1.0
    memory_weeks: Weeks = 13
    active_threshold: Fraction = 0.3
    defect_threshold: Fraction = 0.12
    defect_weeks: Weeks = 26
    max_incentive_rate: Fraction = Field(
        0.2, description="Incentives per unit of purchases beyond which commitment moves no "
        "further.")
    announcement_weight: NonNeg = Field(
        0.5, description="How much an announced margin change moves commitment in advance."
    )


    @model_validator(mode="after")
    def _thresholds(self) -> Commitment:
        if self.active_threshold < self.defect_threshold:
            raise ValueError(f"active_threshold: must not be below defect_threshold "
                             f"({self.active_threshold:g} < {self.defect_threshold:g}): an "
                             "agent would count as active while on its way to defect")
        return self


class Behaviour(Strict):
    """All behavioural parameters of channel agents."""

    reach: Reach = Field(default_factory=Reach)
    pricing: Pricing = Field(default_factory=Pricing)
    inventory: Inventory = Field(default_factory=Inventory)
    commitment: Commitment = Field(default_factory=Commitment)
    warmup_weeks: WeeksOrNone = Field(
        8, description="Weeks simulated before week 1 so stock and forecasts settle."
    )
