"""Scenario schema, part 3: the manufacturer's channel policy and its rollout."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.about import setting
from sim.scenario.levers import Assortment, CoSelling, ProductRoles
from sim.scenario.market import (
    Fraction,
    Money,
    NonNeg,
    NonNegInt,
    PartnerKind,
    Role,
    Segment,
    Strict,
    Weeks,
    WeeksOrNone,
)
from sim.vocab import SEGMENTS, TIERS, WEEKS_PER_YEAR

Tier = Literal[TIERS]


def _tiers(base: float, silver: float, gold: float) -> dict[str, float]:
    return {"base": base, "silver": silver, "gold": gold}


class Discounts(Strict):
    """Channel discounts off list price, by channel and tier."""

    distributor: dict[Tier, Fraction] = setting(
        meaning="A distributor's discount off list, by tier.", unit="fraction of list",
        basis="policy", factory=lambda: _tiers(0.28, 0.30, 0.32))
    partner: dict[Tier, Fraction] = setting(
        meaning="A partner's discount off list when it buys direct, by tier.",
        unit="fraction of list", basis="policy", factory=lambda: _tiers(0.20, 0.23, 0.26))
    dealer_via_distributor: Fraction = setting(
        0.18, "Discount a dealer gets from its distributor in two-tier buying.",
        unit="fraction of list", basis="policy")
    promo: Fraction = setting(0.0, "Campaign discount for every reseller.",
                              unit="fraction of list", basis="policy")
    project: Fraction = setting(0.05, "Special project price on project deals.",
                                unit="fraction of list", basis="policy")

    @model_validator(mode="after")
    def _complete(self) -> Discounts:
        for role in ("distributor", "partner"):
            if any(t not in getattr(self, role) for t in TIERS):
                raise ValueError(f"{role}: needs every tier {list(TIERS)}")
        return self


def _by_segment(small: float, mid: float, key: float, project: float) -> dict[str, float]:
    return {"small": small, "mid": mid, "key": key, "project": project}


class ResalePriceFloor(Strict):
    """Minimum resale price (fraction of list, by segment) and how strictly it is enforced."""

    enabled: bool = setting(False, "A minimum resale price is set.", basis="policy")
    level: dict[Segment, Fraction] = setting(
        meaning="The minimum resale price by segment.", unit="fraction of list",
        basis="policy", factory=lambda: _by_segment(0.90, 0.85, 0.80, 0.78))
    enforcement: Fraction = setting(0.9, "Share of quotes that respect the floor.",
                                    plausible=(0.6, 1.0), basis="assumption")


class DirectPlan(Strict):
    """Direct reps' account assignment and compensation."""

    accounts: Literal["all", "key_accounts"] = setting(
        "all", "Which customers the reps are assigned.", basis="policy")
    compensation: Literal["any_sale", "assigned_only"] = setting(
        "any_sale", "What the reps are paid on.", basis="policy")
    commission: Fraction = setting(0.03, "Reps' commission on their sales.",
                                   unit="fraction of sales", basis="policy")
    weekly_cost_per_rep: Money = setting(2500.0, "Cost of a rep per week.", unit="money",
                                         basis="data")



class RebateTier(Strict):
    """Volume threshold (purchases per period, money) and the rebate rate it earns."""

    threshold: Money = setting(meaning="Purchases in a period that earn the tier.",
                               unit="money per period", basis="policy")
    rate: Fraction = setting(meaning="The tier's rebate rate.", unit="fraction of purchases",
                             basis="policy")


class Rebates(Strict):
    """Volume rebates on purchases from the manufacturer."""

    scheme: Literal["none", "retroactive", "marginal"] = setting(
        "none", "How tiers apply: to the whole volume, or to the volume in each band.",
        basis="policy")
    period_weeks: Weeks = setting(13, "Length of a rebate period.", unit="weeks",
                                  basis="policy")
    tiers: list[RebateTier] = setting(meaning="Volume thresholds and their rates.",
                                      basis="policy", factory=list)
    roles: list[Literal["distributor", "partner"]] = setting(
        meaning="Who earns the rebate.", basis="policy",
        factory=lambda: ["distributor", "partner"])

    @model_validator(mode="after")
    def _increasing(self) -> Rebates:
        th = [t.threshold for t in self.tiers]
        if th != sorted(th) or len(set(th)) != len(th):
            raise ValueError("tiers: thresholds must be strictly increasing")
        return self


class PlanBonus(Strict):
    """Bonus paid on a period's purchases when they reach last period's times (1 + growth)."""

    rate: Fraction = setting(0.0, "Bonus rate on a period's purchases when on plan.",
                             unit="fraction of purchases", basis="policy")
    growth: float = setting(0.05, "Growth over last period's purchases the plan asks for.",
                            unit="fraction", basis="policy", ge=-0.5, le=2.0)


class Training(Strict):
    """Partner training programme."""

    enabled: bool = setting(False, "Partners are trained.", basis="policy")
    expertise_boost: Fraction = setting(0.25, "Expertise a trained partner gains.",
                                        plausible=(0.1, 0.3), basis="assumption")
    spec_in_boost: NonNeg = setting(
        0.5, "Relative rise in a trained partner's chance to spec the brand in.",
        plausible=(0.0, 0.5), basis="assumption")
    weekly_cost_per_partner: Money = setting(100.0, "Cost of training a partner per week.",
                                             unit="money", basis="data")


class Tiers(Strict):
    """Formal tiers of distributors and partners by trailing sell-through."""

    enabled: bool = setting(False, "Resellers are ranked into tiers.", basis="policy")
    gold_share: Fraction = setting(0.15, "Share of resellers in gold.", basis="policy")
    silver_share: Fraction = setting(0.25, "Share of resellers in silver.", basis="policy")
    review_weeks: Weeks = setting(13, "Weeks between tier reviews.", unit="weeks",
                                  basis="policy")

    @model_validator(mode="after")
    def _shares(self) -> Tiers:
        if self.gold_share + self.silver_share > 1.0:
            raise ValueError("silver_share: gold_share + silver_share must not exceed 1")
        return self


class MarketplacePolicy(Strict):
    """The brand's listing on an online marketplace."""

    enabled: bool = setting(False, "The brand sells on the marketplace.", basis="policy")
    fee: Fraction = setting(0.12, "The marketplace's fee on a sale.", unit="fraction of price",
                            basis="data")
    price_discount: Fraction = setting(0.12, "The listing's discount off list.",
                                       unit="fraction of list", basis="policy")


def _segment_roles() -> dict[str, list[str]]:
    return {
        "small": ["distributor", "partner", "marketplace"],
        "mid": ["distributor", "partner"],
        "key": ["direct"],
        "project": ["partner"],
    }


class Policy(Strict):
    """Every lever the manufacturer controls (``docs/model.md``, policy levers)."""

    discounts: Discounts = setting(meaning="Channel discounts.", basis="policy",
                                   factory=Discounts)
    stacking: Literal["stacked", "best_of"] = setting(
        "stacked", "Whether discounts add up or only the best one applies.", basis="policy")
    max_total_discount: Fraction = setting(0.45, "Cap on all discounts together.",
                                           unit="fraction of list", basis="policy")
    recommended_min_price: dict[Segment, Fraction] = setting(
        meaning="Quotes below this fraction of list count as price dumping.",
        unit="fraction of list", basis="policy",
        factory=lambda: _by_segment(0.88, 0.83, 0.76, 0.74))
    min_resale_price: ResalePriceFloor = setting(meaning="A minimum resale price.",
                                                 basis="policy", factory=ResalePriceFloor)
    territory: list[Literal["open", "exclusive_regions", "segment_split"]] = setting(
        meaning="Territory rules that apply together; 'open' alone means none.",
        basis="policy", factory=lambda: ["open"])
    segment_roles: dict[Segment, list[Role | PartnerKind]] = setting(
        meaning="Under segment_split: roles, or partner kinds, allowed per segment.",
        basis="policy", factory=_segment_roles)
    exclusive_roles: list[Literal["distributor", "partner"]] = setting(
        meaning="Who is held to its home region under exclusive_regions.", basis="policy",
        factory=lambda: ["distributor", "partner"])
    deal_registration: bool = setting(False, "The first partner to register a project is "
                                      "protected in its tender.", basis="policy")
    two_tier: bool = setting(True, "Dealers buy through a distributor.", basis="policy")
    direct: DirectPlan = setting(meaning="The direct team's plan.", basis="policy",
                                 factory=DirectPlan)
    rebates: Rebates = setting(meaning="Volume rebates.", basis="policy", factory=Rebates)
    sales_bonus: Fraction = setting(0.0, "Bonus on every purchase, whatever the sale.",
                                    unit="fraction of purchases", basis="policy")
    plan_bonus: PlanBonus = setting(meaning="A bonus for meeting the sales plan.",
                                    basis="policy", factory=PlanBonus)
    marketing_funds: Fraction = setting(0.0, "Share of purchases paid as marketing funds.",
                                        unit="fraction of purchases", basis="policy")
    spec_in_bonus: Money = setting(0.0, "Paid per project a partner specs the brand into.",
                                   unit="money", basis="policy")
    training: Training = setting(meaning="Partner training.", basis="policy", factory=Training)
    tiers: Tiers = setting(meaning="Formal tiers.", basis="policy", factory=Tiers)
    marketplace: MarketplacePolicy = setting(meaning="The marketplace listing.",
                                             basis="policy", factory=MarketplacePolicy)
    assortment: Assortment = setting(meaning="Lines distributors must stock, and their "
                                     "minimum cover.", basis="policy", factory=Assortment)
    product_roles: ProductRoles = setting(
        meaning="Per product line, the roles or partner kinds allowed to sell it (lines not "
        "named: anyone); combined with segment_roles, both must allow.", basis="policy",
        factory=dict)
    co_selling: CoSelling = setting(meaning="Reps supporting partners' deals.", basis="policy",
                                    factory=CoSelling)

    @field_validator("territory", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _segments(self) -> Policy:
        missing = [s for s in SEGMENTS if s not in self.segment_roles]
        if missing:
            raise ValueError(f"segment_roles: lacks segments {missing}")
        for name in ("recommended_min_price",):
            if any(s not in getattr(self, name) for s in SEGMENTS):
                raise ValueError(f"{name}: needs every segment")
        if any(s not in self.min_resale_price.level for s in SEGMENTS):
            raise ValueError("min_resale_price.level: needs every segment")
        if "open" in self.territory and len(self.territory) > 1:
            raise ValueError("territory: 'open' cannot be combined with other rules")
        if self.has_territory("segment_split"):
            empty = [s for s in SEGMENTS if not self.segment_roles[s]]
            if empty:
                raise ValueError(f"segment_roles.{empty[0]}: no role may sell to this segment "
                                 "under segment_split; name at least one")
        if self.has_territory("exclusive_regions") and not self.exclusive_roles:
            raise ValueError("exclusive_roles: exclusive_regions needs at least one role to "
                             "hold to its home region")
        if self.rebates.scheme != "none" and not self.rebates.tiers:
            raise ValueError(f"rebates.tiers: a {self.rebates.scheme} rebate needs at least one "
                             "tier (threshold and rate)")
        return self

    def has_territory(self, rule: str) -> bool:
        """Whether a territory rule is in force."""
        return rule in self.territory


class NetworkChange(Strict):
    """A change to the network applied when a region switches to the new policy."""

    action: Literal["prune_on_paper", "upgrade_top", "retype", "add", "remove", "prune"] = (
        setting(meaning="What the change does.", basis="policy"))
    roles: list[Literal["distributor", "partner"]] = setting(
        meaning="Whom it targets.", basis="policy", factory=lambda: ["partner"])
    kinds: list[PartnerKind] | None = setting(None, "Restrict to these partner kinds.",
                                              basis="policy")
    share: Fraction = setting(
        0.2, "Share of the targeted agents affected (the weakest by sales for prune_on_paper "
        "and retype, the strongest for upgrade_top).", basis="policy")
    to_kind: PartnerKind | None = setting(None, "retype: the new kind.", basis="policy")
    to_tier: Literal["silver", "gold"] = setting("gold", "upgrade_top: the new tier.",
                                                 basis="policy")
    count: NonNegInt = setting(0, "add: agents contracted in each switching region.",
                               unit="agents", basis="policy")
    agents: list[str] | None = setting(None, "remove: the ids of the agents that leave (when "
                                       "their home region switches).", basis="policy")
    sold_at_most: Money | None = setting(
        None, "prune: agents whose sales over window_weeks are at most this leave.",
        unit="money", basis="policy")
    window_weeks: Annotated[int, Field(ge=1, le=WEEKS_PER_YEAR)] = setting(
        WEEKS_PER_YEAR, "prune: the weeks before the switch whose sales count.", unit="weeks",
        basis="policy")
    basis: Literal["roster", "simulated"] = setting(
        "simulated", "prune: judge sales by the roster's annual figure (sell-through, else "
        "purchases) or by the simulated weeks before the switch.", basis="policy")

    @model_validator(mode="after")
    def _retype_target(self) -> NetworkChange:
        if self.action == "retype" and self.to_kind is None:
            raise ValueError("to_kind: retype needs to_kind")
        if self.action == "add":
            if len(self.roles) != 1 or (self.roles == ["partner"] and
                                        (self.kinds is None or len(self.kinds) != 1)):
                raise ValueError("roles: add needs one role (and one partner kind in kinds)")
            if self.count < 1:
                raise ValueError("count: add needs a count of at least 1")
        if self.action == "remove" and not self.agents:
            raise ValueError("agents: remove needs the ids of the agents that leave")
        if self.action == "prune" and self.sold_at_most is None:
            raise ValueError("sold_at_most: prune needs the sales at or below which agents "
                             "leave")
        return self


class Rollout(Strict):
    """When a strategy's changes take effect (``docs/model.md``, rollout)."""

    pilot_regions: list[str] = setting(meaning="Regions that switch first (the pilot).",
                                       basis="policy", factory=list)
    pilot_week: Weeks | None = setting(None, "Week the pilot regions switch.", unit="week",
                                       basis="policy")
    full_week: Weeks = setting(meaning="Week every other region switches.", unit="week",
                               basis="policy")
    grandfather_weeks: WeeksOrNone = setting(
        0, "Weeks a brand customer keeps the old rules after its region switches.",
        unit="weeks", basis="policy")
    announce_weeks: WeeksOrNone = setting(0, "Weeks the change is announced before it starts.",
                                          unit="weeks", basis="policy")
    network_changes: list[NetworkChange] = setting(
        meaning="Changes to the network when a region switches.", basis="policy",
        factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Rollout:
        if self.pilot_regions and self.pilot_week is None:
            raise ValueError("pilot_week: pilot_regions need a pilot_week")
        if self.pilot_week is not None and not self.pilot_regions:
            raise ValueError("pilot_week: no pilot_regions are named; name them or drop "
                             "pilot_week")
        if self.pilot_week is not None and self.pilot_week >= self.full_week:
            raise ValueError(f"pilot_week: must come before full_week ({self.pilot_week} is "
                             f"not before {self.full_week}), or there is no pilot")
        return self

    def start_week(self) -> int:
        """First week in which any region runs under the strategy."""
        if self.pilot_regions and self.pilot_week is not None:
            return self.pilot_week
        return self.full_week

    def first_effect_week(self) -> int:
        """First week that can differ from the baseline: the announcement, if any."""
        return max(1, self.start_week() - self.announce_weeks)

