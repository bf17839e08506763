"""Scenario schema, part 4: the product-line levers of the policy.

What distributors must stock (``assortment``), which channels may sell which product lines
(``product_roles``) and the direct team supporting partners' deals (``co_selling``). Names
of product lines and distributors are checked against the scenario as a whole
(:func:`check_levers`, called by the scenario's cross-checks), and the channels each line
may go through against the agents the network has (:func:`check_network_sellers`, called
by the loader once the roster is read).
"""

from __future__ import annotations

from typing import Literal

from sim.scenario.about import setting
from sim.scenario.market import NonNeg, PartnerKind, Role, Segment, Strict
from sim.scenario.roster import NetworkError, client_network, synthetic_ids
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
    """A line named in ``product_roles`` needs a seller in every segment its mix sells to."""
    allowed = p.product_roles.get(prod.name)
    if allowed is None:
        return
    where = f"policy.product_roles.{prod.name}"
    if not _sellers_of(allowed):
        raise ValueError(
            f"{where}: no channel may sell the line '{prod.name}': it names only "
            f"{_listed(allowed)}, and specifiers advise, they never sell; name a role "
            f"({SELLING_ROLES}) or a partner kind that sells ({SELLING_KINDS})")
    if not p.has_territory("segment_split"):
        return
    empty = [seg for seg in SEGMENTS if prod.mix.get(seg, 0.0) > 0
             and not _sellers_of(allowed) & _sellers_of(p.segment_roles[seg])]
    if empty:
        raise ValueError(_no_channel(where, prod.name, allowed, empty, p.segment_roles))


def _no_channel(where: str, line: str, allowed: list[str], empty: list[str],
                segment_roles: dict) -> str:
    """The refusal of a line and segments no channel may sell under both rules."""
    segs = " and ".join(f"'{seg}'" for seg in empty)
    lists = "; ".join(f"segment_roles.{seg} allows {_listed(segment_roles[seg])}"
                      for seg in empty)
    fields = " or ".join(f"segment_roles.{seg}" for seg in empty)
    return (f"{where}: under segment_split no channel may sell the line '{line}' in "
            f"segment{'s' if len(empty) > 1 else ''} {segs}, where its mix sells it: "
            f"product_roles.{line} allows {_listed(allowed)}, {lists}, and an agent must be "
            f"allowed by both; add a channel to product_roles.{line} or to {fields} so that "
            f"one is in both, or set the line's mix in {segs} to 0 (products, {line}, mix)")


SELLING_ROLES = ", ".join(r for r in ROLES)
SELLING_KINDS = ", ".join(k for k in KINDS if k != "specifier")


def _listed(names: list[str]) -> str:
    return ", ".join(names) if names else "nothing"


def check_network_sellers(sc) -> None:
    """Check ``product_roles`` against the agents the network has (roster or counts).

    The strategy's policy is checked against the network with its rollout's additions and
    retypes (they are in place where it is in force), the baseline's against the network
    as it starts.

    Raises:
        NetworkError: a product line whose allowed channels have no agent.

    """
    roster, _ = client_network(sc)
    if roster is not None:
        pairs = [(int(r), int(k)) for r, k, c in zip(roster.role, roster.kind,
                                                        roster.contracted, strict=True) if c]
    else:
        _, roles, kinds = synthetic_ids(sc.network)
        pairs = list(zip(roles, kinds, strict=True))
    present = {(ROLES[r], KINDS[k] if k >= 0 else None) for r, k in pairs}
    if sc.rollout is None:
        check_present(sc.policy, sc.products, present, roster is not None)
        return
    check_present(sc.policy_before, sc.products, present, roster is not None, before=True)
    for change in sc.rollout.network_changes:
        if change.action == "add":
            present |= {(r, change.kinds[0] if r == "partner" else None) for r in change.roles}
        elif change.action == "retype":
            present.add(("partner", change.to_kind))
    check_present(sc.policy, sc.products, present, roster is not None)


def check_present(p, products, present: set[tuple[str, str | None]], roster: bool,
                  before: bool = False) -> None:
    """Each line named in ``product_roles`` must have a seller among the agents there are.

    Args:
        p: the policy.
        products: the scenario's product lines.
        present: ``(role, kind)`` of every agent in the network (kind None for agents that
            are not partners), from the roster's contracted rows or the network's counts.
        roster: the agents are a roster's (the advice names its rows, not the counts).
        before: ``p`` is the policy in force before a strategy's rollout.

    Raises:
        NetworkError: a line (in a segment its mix sells to) whose allowed channels have no
            agent in the network.

    """
    # a marketplace listing sells only where the policy enables it
    have = {s for s in present if s[0] != "marketplace" or p.marketplace.enabled}
    for prod in products:
        allowed = p.product_roles.get(prod.name)
        if allowed is None:
            continue
        for seg in SEGMENTS:
            if prod.mix.get(seg, 0.0) <= 0:
                continue
            can = _sellers_of(allowed)
            if p.has_territory("segment_split"):
                can &= _sellers_of(p.segment_roles[seg])
            if can and not can & have:
                field = f"policy.product_roles.{prod.name}"
                raise NetworkError(field, _absent(prod.name, seg, can, roster, before, p))


_ADD = {"distributor": "network.distributors above 0", "direct": "network.direct_reps above 0",
        "marketplace": "policy.marketplace.enabled (and network.marketplace) to true"}


def _absent(line: str, seg: str, can: set, roster: bool, before: bool, p) -> str:
    """The refusal of a line whose allowed channels have no agent in the network."""
    can = sorted(can, key=lambda s: (s[0], s[1] or ""))
    names = [f"{k} partners" if k else {"direct": "direct reps", "marketplace":
                                         "the marketplace listing"}.get(r, f"{r}s")
             for r, k in can]
    split = (f" in segment '{seg}' (with segment_roles.{seg})"
             if p.has_territory("segment_split") else "")
    which = " (under the baseline's policy, before the rollout)" if before else ""
    ways = [f"set network.partners.{k} above 0" if k else f"set {_ADD[r]}" for r, k in can]
    if roster:   # the counts do not apply: the roster is the network
        ways = [w for w in ways if "marketplace" in w] + ["contract one in the roster"]
    add = " or ".join(dict.fromkeys(ways))
    return (f"the line '{line}'{which} may be sold{split} only by {' or '.join(names)}, and "
            f"the network has none that sells; allow a channel the network has, or {add}")


ProductRoles = dict[str, list[Role | PartnerKind]]
