"""Scenario schema, part 3: the manufacturer's channel policy and its rollout."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

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
from sim.vocab import SEGMENTS, TIERS

Tier = Literal[TIERS]


def _tiers(base: float, silver: float, gold: float) -> dict[str, float]:
    return {"base": base, "silver": silver, "gold": gold}


class Discounts(Strict):
    """Channel discounts off list price, by channel and tier."""

    distributor: dict[Tier, Fraction] = Field(default_factory=lambda: _tiers(0.28, 0.30, 0.32))
    partner: dict[Tier, Fraction] = Field(default_factory=lambda: _tiers(0.20, 0.23, 0.26))
    dealer_via_distributor: Fraction = Field(
        0.18, description="Discount a dealer gets from its distributor in two-tier buying."
    )
    promo: Fraction = Field(0.0, description="Campaign discount for every reseller.")
    project: Fraction = Field(0.05, description="Special project price on project deals.")

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

    enabled: bool = False
    level: dict[Segment, Fraction] = Field(
        default_factory=lambda: _by_segment(0.90, 0.85, 0.80, 0.78))
    enforcement: Fraction = Field(0.9, description="Share of quotes that respect the floor.")


class DirectPlan(Strict):
    """Direct reps' account assignment and compensation."""

    accounts: Literal["all", "key_accounts"] = "all"
    compensation: Literal["any_sale", "assigned_only"] = "any_sale"
    commission: Fraction = 0.03
    weekly_cost_per_rep: Money = 2500.0
    focus_gain: NonNeg = Field(
        0.5, description="Extra reach on assigned accounts when reps chase nothing else.")


class RebateTier(Strict):
    """Volume threshold (purchases per period, money) and the rebate rate it earns."""

    threshold: Money
    rate: Fraction


class Rebates(Strict):
    """Volume rebates on purchases from the manufacturer."""

    scheme: Literal["none", "retroactive", "marginal"] = "none"
    period_weeks: Weeks = 13
    tiers: list[RebateTier] = Field(default_factory=list)
    roles: list[Literal["distributor", "partner"]] = Field(
        default_factory=lambda: ["distributor", "partner"]
    )

    @model_validator(mode="after")
    def _increasing(self) -> Rebates:
        th = [t.threshold for t in self.tiers]
        if th != sorted(th) or len(set(th)) != len(th):
            raise ValueError("tiers: thresholds must be strictly increasing")
        return self


class PlanBonus(Strict):
    """Bonus paid on a period's purchases when they reach last period's times (1 + growth)."""

    rate: Fraction = 0.0
    growth: float = Field(0.05, ge=-0.5, le=2.0)


class Training(Strict):
    """Partner training programme."""

    enabled: bool = False
    expertise_boost: Fraction = 0.25
    spec_in_boost: NonNeg = Field(
        0.5, description="Relative rise in a trained partner's chance to spec the brand in.")
    weekly_cost_per_partner: Money = 100.0


class Tiers(Strict):
    """Formal tiers of distributors and partners by trailing sell-through."""

    enabled: bool = False
    gold_share: Fraction = 0.15
    silver_share: Fraction = 0.25
    review_weeks: Weeks = 13

    @model_validator(mode="after")
    def _shares(self) -> Tiers:
        if self.gold_share + self.silver_share > 1.0:
            raise ValueError("silver_share: gold_share + silver_share must not exceed 1")
        return self


class MarketplacePolicy(Strict):
    """The brand's listing on an online marketplace."""

    enabled: bool = False
    fee: Fraction = 0.12
    price_discount: Fraction = 0.12


def _segment_roles() -> dict[str, list[str]]:
    return {
        "small": ["distributor", "partner", "marketplace"],
        "mid": ["distributor", "partner"],
        "key": ["direct"],
        "project": ["partner"],
    }


class Policy(Strict):
    """Every lever the manufacturer controls (DOMAIN.md item 8)."""

    discounts: Discounts = Field(default_factory=Discounts)
    stacking: Literal["stacked", "best_of"] = "stacked"
    max_total_discount: Fraction = 0.45
    recommended_min_price: dict[Segment, Fraction] = Field(
        default_factory=lambda: _by_segment(0.88, 0.83, 0.76, 0.74),
        description="Quotes below this fraction of list count as price dumping.",
    )
    min_resale_price: ResalePriceFloor = Field(default_factory=ResalePriceFloor)
    territory: list[Literal["open", "exclusive_regions", "segment_split"]] = Field(
        default_factory=lambda: ["open"],
        description="Territory rules that apply together; 'open' alone means none.",
    )
    segment_roles: dict[Segment, list[Role | PartnerKind]] = Field(
        default_factory=_segment_roles,
        description="Under segment_split: roles, or partner kinds, allowed per segment.",
    )
    exclusive_roles: list[Literal["distributor", "partner"]] = Field(
        default_factory=lambda: ["distributor", "partner"],
        description="Who is held to its home region under exclusive_regions.",
    )
    territory_focus_gain: NonNeg = Field(
        0.5, description="Extra reach at home for agents held to their home region.")
    deal_registration: bool = False
    two_tier: bool = True
    direct: DirectPlan = Field(default_factory=DirectPlan)
    rebates: Rebates = Field(default_factory=Rebates)
    sales_bonus: Fraction = Field(0.0, description="Bonus on every purchase, whatever the sale.")
    plan_bonus: PlanBonus = Field(default_factory=PlanBonus)
    marketing_funds: Fraction = Field(0.0, description="Share of purchases paid as MDF.")
    spec_in_bonus: Money = Field(0.0, description="Money per project specified by a partner.")
    training: Training = Field(default_factory=Training)
    tiers: Tiers = Field(default_factory=Tiers)
    marketplace: MarketplacePolicy = Field(default_factory=MarketplacePolicy)

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

    action: Literal["prune_inactive", "upgrade_top", "retype", "add"]
    roles: list[Literal["distributor", "partner"]] = Field(default_factory=lambda: ["partner"])
    kinds: list[PartnerKind] | None = Field(None, description="Restrict to these partner kinds.")
    share: Fraction = Field(
        0.2, description="Share of the targeted agents affected (the weakest by sales for "
        "prune_inactive and retype, the strongest for upgrade_top).")
    to_kind: PartnerKind | None = None
    to_tier: Literal["silver", "gold"] = "gold"
    count: NonNegInt = Field(0, description="add: agents contracted in each switching region.")

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
        return self


class Rollout(Strict):
    """When a strategy's changes take effect (DOMAIN.md item 9)."""

    pilot_regions: list[str] = Field(default_factory=list)
    pilot_week: Weeks | None = None
    full_week: Weeks
    grandfather_weeks: WeeksOrNone = 0
    announce_weeks: WeeksOrNone = 0
    network_changes: list[NetworkChange] = Field(default_factory=list)

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

