"""Scenario schema, part 2: how channel agents behave (reach, pricing, stock, motivation)."""

from __future__ import annotations

from pydantic import model_validator

from sim.scenario.about import setting
from sim.scenario.market import (
    Finite,
    Fraction,
    Money,
    NonNeg,
    Positive,
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
    """How channel agents hear of deals (``docs/model.md``, reach)."""

    base: dict[Role, dict[Segment, Fraction]] = setting(
        meaning="Chance an agent of the role at full effort and average size hears of a "
        "deal of the segment in its home region.", plausible=(0.05, 0.9), basis="assumption",
        factory=_reach_default)
    neighbour: Fraction = setting(0.3, "Reach factor for a deal in a neighbouring region.",
                                  plausible=(0.1, 0.5), basis="assumption")
    remote: Fraction = setting(0.05, "Reach factor for a deal in any other region.",
                               plausible=(0.0, 0.15), basis="assumption")
    incumbent: Fraction = setting(0.9, "Chance the customer's incumbent supplier hears of its "
                                  "deal at full effort.", plausible=(0.7, 0.98),
                                  basis="assumption")
    max_reach: Fraction = setting(0.98, "Highest chance of hearing of a deal.",
                                  basis="convention")
    incumbent_effort_share: Fraction = setting(
        0.5, "Share of the incumbent's chance that follows its effort on the deal's cell.",
        plausible=(0.2, 0.8), basis="assumption")

    @model_validator(mode="after")
    def _complete(self) -> Reach:
        for role in ROLES:
            table = self.base.get(role)
            if table is None or any(s not in table for s in SEGMENTS):
                raise ValueError(f"base.{role}: needs every role and segment")
        return self


class Effort(Strict):
    """Effort as a budget (``sim.rules.effort``, ``docs/model.md``, effort).

    A reseller's weekly budget is ``budget x size x commitment ** exponent`` at a commitment
    of at least ``activation`` and nothing below it (dormant: still under contract, so a rise
    in commitment revives it); a direct rep's is ``network.rep_deals_per_week``. It is spread
    over the (region, segment) cells the agent may pursue in proportion to ``base reach x
    distance x expected deals x deal value x expected margin``; reach on one opportunity of a
    cell is ``b (1 - exp(-k e))``.
    """

    budget: NonNeg = setting(
        300.0, "Opportunities a reseller of average size at full commitment works per week.",
        unit="opportunities per week", plausible=(150.0, 600.0), basis="assumption")
    k: Positive = setting(
        1.0, "How fast reach saturates with the effort on one opportunity.",
        unit="per unit of effort", plausible=(0.5, 2.0), basis="assumption")
    exponent: NonNeg = setting(0.5, "Effort budget grows with commitment to this power.",
                               plausible=(0.3, 1.0), basis="assumption")
    activation: Fraction = setting(
        0.15, "Commitment below which a reseller works no opportunities of the brand: carrying "
        "the line costs a fixed share of its effort, worth paying only above it.",
        plausible=(0.12, 0.3), basis="assumption")
    unassigned_weight: Fraction = setting(
        0.5, "Weight a rep paid on any sale gives accounts it is not assigned, against 1 for "
        "its own.", plausible=(0.2, 0.8), basis="assumption")


class Margins(Strict):
    """Markup floors of reselling agents, as fractions of the selling price."""

    distributor_floor: Fraction = setting(0.06, "Lowest margin a distributor quotes at.",
                                          unit="fraction of price", plausible=(0.03, 0.1),
                                          basis="data")
    partner_floor: Fraction = setting(0.08, "Lowest margin a partner quotes at.",
                                      unit="fraction of price", plausible=(0.04, 0.12),
                                      basis="data")
    direct_max_discount: Fraction = setting(0.25, "Largest discount a direct rep may give.",
                                            unit="fraction of list", plausible=(0.15, 0.35),
                                            basis="policy")
    price_war_step: Fraction = setting(
        0.04, "Extra discount a reseller gives per rival bidder of the same brand.",
        unit="fraction of list", plausible=(0.01, 0.08), basis="assumption")


def _expertise() -> dict[str, float]:
    return {"distributor": 0.4, "direct": 0.7, "marketplace": 0.0, "integrator": 1.0,
            "dealer": 0.5, "project": 0.9, "service": 0.8, "specifier": 0.0}


class Pricing(Strict):
    """What agents quote and how well they serve."""

    margins: Margins = setting(meaning="Margin floors and the price-war step.",
                               basis="assumption", factory=Margins)
    expertise: dict[str, Fraction] = setting(
        meaning="Expertise of a seller by role or partner kind (0 to 1).",
        plausible=(0.0, 1.0), basis="assumption", factory=_expertise)
    expertise_commitment_share: Fraction = setting(
        0.5, "Share of a reseller's expertise that follows its commitment.",
        plausible=(0.2, 0.8), basis="assumption")
    in_stock_weeks: NonNeg = setting(1.0, "Delivery from stock.", unit="weeks", basis="data")
    factory_weeks: NonNeg = setting(2.0, "Delivery of a stocked line from the factory.",
                                    unit="weeks", basis="data")
    made_to_order_weeks: NonNeg = setting(8.0, "Delivery of a line made to order.",
                                          unit="weeks", basis="data")
    spec_in: Fraction = setting(0.35, "Chance a fully committed partner who hears of a project "
                                "specs the brand in.", plausible=(0.15, 0.5), basis="assumption")
    spec_bonus_half: Money = setting(
        1000.0, "Spec-in bonus that raises the spec-in chance by half.", unit="money",
        plausible=(300, 3000), basis="assumption")
    competitor_spec_in: Fraction = setting(
        0.3, "Chance the competitor is specified where the brand is not.",
        plausible=(0.15, 0.5), basis="assumption")

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

    lead_time: Weeks = setting(2, "Weeks from a distributor's order to its delivery.",
                               unit="weeks", plausible=(1, 4), basis="data")
    forecast_weeks: Weeks = setting(8, "Weeks of sales the forecast averages.", unit="weeks",
                                    plausible=(4, 13), basis="assumption")
    safety_weeks: NonNeg = setting(3.0, "Safety stock in weeks of forecast.", unit="weeks",
                                   plausible=(1, 6), basis="data")
    destocking: bool = setting(True, "Distributors cut their cover when margin or commitment "
                               "falls.", basis="assumption")
    destock_elasticity: NonNeg = setting(
        2.5, "Relative fall in cover per relative fall in margin or commitment.",
        plausible=(1.0, 4.0), basis="assumption")
    min_cover_factor: Fraction = setting(0.3, "Lowest share of normal cover a distributor "
                                         "keeps.", plausible=(0.2, 0.6), basis="assumption")
    forward_buying: bool = setting(True, "Distributors buy ahead of an announced cut in their "
                                   "discount.", basis="assumption")
    adjust_rate: Fraction = setting(
        0.25, "Share of the gap to its target cover a distributor closes each week.",
        unit="per week", plausible=(0.1, 0.5), basis="literature",
        cite="about 0.26 a week in the beer-game estimates of Sterman (1989); no direct "
        "evidence for a margin change")
    holding_rate: Positive = setting(
        0.25, "Cost of holding stock a year, as a share of its value.", unit="per year",
        plausible=(0.15, 0.4), basis="literature",
        cite="20-40% a year is the usual carrying-cost range, about 25% the common default "
        "(Richardson 1995; operations textbooks)")
    credit_weeks: NonNeg = setting(
        8.0, "Weeks of its normal purchases a distributor's credit lets it buy ahead.",
        unit="weeks", plausible=(4, 13), basis="assumption")
    rebate_loading: bool = setting(True, "Distributors buy toward the next rebate tier near a "
                                   "period's end.", basis="assumption")
    loading_weeks: Weeks = setting(3, "Last weeks of a rebate period in which they load.",
                                   unit="weeks", plausible=(1, 4), basis="assumption")
    loading_reach: Fraction = setting(0.25, "They load if the next tier is within this share of "
                                      "its threshold.", plausible=(0.1, 0.4),
                                      basis="assumption")


class Commitment(Strict):
    """Drivers of commitment to the brand (``sim.rules.commitment``, ``docs/model.md``)."""

    speed: Fraction = setting(0.08, "Share of the gap to its target commitment an agent closes "
                              "each week.", unit="per week", plausible=(0.03, 0.15),
                              basis="assumption")
    bias: Finite = setting(-0.5, "Commitment target's intercept (logit scale).",
                           plausible=(-1.5, 0.5), basis="assumption")
    alternative_margin: Fraction = setting(0.18, "Margin a reseller earns on the competitor's "
                                           "line.", unit="fraction of price",
                                           plausible=(0.12, 0.25), basis="data")
    margin_weight: NonNeg = setting(8.0, "Weight of the margin gap to the competitor's line.",
                                    unit="per unit of margin", plausible=(5.0, 12.0),
                                    basis="assumption")
    incentive_weight: NonNeg = setting(20.0, "Weight of incentives received per unit of "
                                       "purchases.", plausible=(10.0, 30.0), basis="assumption")
    training_weight: NonNeg = setting(0.6, "Weight of being trained.", plausible=(0.0, 1.0),
                                      basis="assumption")
    tier_weight: NonNeg = setting(0.3, "Weight per tier step (silver 1, gold 2).",
                                  plausible=(0.0, 0.6), basis="assumption")
    volume_weight: NonNeg = setting(0.6, "Weight of the agent's own sales volume (log).",
                                    plausible=(0.3, 1.0), basis="assumption")
    conflict_weight: NonNeg = setting(1.0, "Weight of deals lost to the brand's own channels "
                                      "(log of the weekly rate).", plausible=(0.5, 2.0),
                                      basis="assumption")
    memory_weeks: Weeks = setting(13, "Weeks over which realised margin and sales are "
                                  "averaged.", unit="weeks", plausible=(8, 26),
                                  basis="assumption")
    defect_threshold: Fraction = setting(0.12, "Commitment below which an agent heads to "
                                         "defect.", plausible=(0.05, 0.2), basis="assumption")
    defect_weeks: Weeks = setting(26, "Weeks below the defect threshold before it defects.",
                                  unit="weeks", plausible=(13, 52), basis="assumption")
    max_incentive_rate: Fraction = setting(
        0.2, "Incentives per unit of purchases beyond which commitment moves no further.",
        basis="convention")
    announcement_weight: NonNeg = setting(
        0.5, "How much an announced margin change moves commitment before it happens.",
        plausible=(0.0, 1.0), basis="assumption")


class Behaviour(Strict):
    """All behavioural parameters of channel agents."""

    reach: Reach = setting(meaning="How agents hear of deals.", factory=Reach)
    effort: Effort = setting(meaning="How agents spend a fixed effort.", factory=Effort)
    pricing: Pricing = setting(meaning="What agents quote and how well they serve.",
                               factory=Pricing)
    inventory: Inventory = setting(meaning="Distributors' stock.", factory=Inventory)
    commitment: Commitment = setting(meaning="What moves commitment.", factory=Commitment)
    activity_weeks: Weeks = setting(
        13, "An agent is active when in this many recent weeks it sold, bought, specified the "
        "brand into a project or held an open registration; else it is on paper.",
        unit="weeks", basis="source")
    warmup_weeks: WeeksOrNone = setting(
        8, "Weeks simulated before week 1 so stock and forecasts settle.", unit="weeks",
        basis="convention")
