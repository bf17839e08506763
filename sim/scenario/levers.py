"""Scenario schema, part 4: the product-line levers of the policy.

What distributors must stock (``assortment``), which channels may sell which product lines
(``product_roles``) and the direct team supporting partners' deals (``co_selling``). Names
of product lines and distributors are checked against the scenario as a whole
(:func:`check_levers`, called by the scenario's cross-checks).
"""

from __future__ import annotations

from typing import Literal

from sim.scenario.about import setting
from sim.scenario.market import NonNeg, PartnerKind, Role, Segment, Strict
from sim.vocab import KINDS, ROLES, SEGMENTS, TIERS

Tier = Literal[TIERS]
# Who can sell at all (a specifier advises, it never sells).
_SELLERS = [(r, None) for r in ROLES if r != "partner"] + [
    ("partner", k) for k in KINDS if k != "specifier"]


class Requirement(Strict):
    """Product lines a distributor must stock, and the least cover it must hold of each."""

    lines: list[str] = setting(meaning="Product lines it must stock (by name).",
                               basis="policy", factory=list)
    min_cover_weeks: NonNeg = setting(
        0.0, "Least stock of each required line, in weeks of its forecast demand, at "
        "order time.", unit="weeks", basis="policy", le=52.0)


class Assortment(Strict):
    """The assortment matrix: required lines and minimum cover per tier or named distributor.

    A named distributor's requirement replaces its tier's. A required line that the
    catalogue makes to order is stocked by the distributors that must carry it.
    """

    tiers: dict[Tier, Requirement] = setting(
        meaning="The requirement of each distributor tier (base, silver, gold).",
        basis="policy", factory=dict)
    agents: dict[str, Requirement] = setting(
        meaning="The requirement of named distributors (their ids).", basis="policy",
        factory=dict)

    def any(self) -> bool:
        """Whether anything is required of anyone."""
        return any(r.lines for r in [*self.tiers.values(), *self.agents.values()])


class CoSelling(Strict):
    """The direct team supports a partner's deal instead of bidding against it."""

    enabled: bool = setting(False, "Reps support the partner holding a deal (its "
                            "registration or its customer) instead of competing.",
                            basis="policy")
    segments: list[Segment] = setting(meaning="Segments where reps co-sell.", basis="policy",
                                      factory=lambda: ["project", "key"])
    utility: NonNeg = setting(
        0.3, "Utility the rep's support adds to the partner's offer (at the default price "
        "weight 8, 0.3 is worth a 3.75% lower price).", unit="utility",
        plausible=(0.0, 0.6), basis="assumption", le=5.0)


def _sellers_of(names: list[str]) -> set[tuple[str, str | None]]:
    return {(r, k) for r, k in _SELLERS if r in names or (k is not None and k in names)}


def check_levers(sc) -> None:
    """Cross-checks of the product-line levers against a whole scenario.

    Raises:
        ValueError: a product line or distributor that does not exist, or a product line
            and segment that no channel may sell under the policy's rules together.

    """
    products = [pr.name for pr in sc.products]
    _check_lines(sc.policy, products)
    _check_distributors(sc.policy.assortment, sc.network.distributors)
    for prod in sc.products:
        _check_sellable(sc.policy, prod)


def _check_lines(p, products: list[str]) -> None:
    for name in p.product_roles:
        if name not in products:
            raise ValueError(f"policy.product_roles.{name}: no such product line (lines: "
                             f"{', '.join(products)})")
    a = p.assortment
    for where, req in [*(("tiers." + t, r) for t, r in a.tiers.items()),
                       *(("agents." + n, r) for n, r in a.agents.items())]:
        unknown = [line for line in req.lines if line not in products]
        if unknown:
            raise ValueError(f"policy.assortment.{where}.lines: no product line "
                             f"'{unknown[0]}' (lines: {', '.join(products)})")


def _check_distributors(a: Assortment, count: int) -> None:
    known = {f"D{i + 1:02d}" for i in range(count)}
    for name in a.agents:
        if name not in known:
            raise ValueError(f"policy.assortment.agents.{name}: no distributor with that id "
                             f"(ids D01 to D{count:02d})")


def _check_sellable(p, prod) -> None:
    allowed = p.product_roles.get(prod.name)
    if allowed is None:
        return
    for seg in SEGMENTS:
        if prod.mix.get(seg, 0.0) <= 0:
            continue
        can = _sellers_of(allowed)
        if p.has_territory("segment_split"):
            can &= _sellers_of(p.segment_roles[seg])
        if not can:
            raise ValueError(
                f"policy.product_roles.{prod.name}: no channel may sell it to segment "
                f"'{seg}' (it allows {allowed}, segment_roles.{seg} allows "
                f"{p.segment_roles[seg]}); allow a channel in both or drop the line from "
                "the segment's mix")


ProductRoles = dict[str, list[Role | PartnerKind]]
