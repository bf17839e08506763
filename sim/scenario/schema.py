"""The scenario: one validated object holding everything a run needs."""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr, model_validator

from sim.scenario.about import setting
from sim.scenario.behaviour import Behaviour
from sim.scenario.fields import check_value
from sim.scenario.levers import check_levers
from sim.scenario.market import (
    Choice,
    Competitor,
    Market,
    Network,
    Product,
    Range,
    Strict,
    Weeks,
)
from sim.scenario.policy import Policy, Rollout

# Sections an `uncertainties:` entry may address: what the manufacturer does not control.
UNCERTAIN_SECTIONS = ("market", "competitor", "choice", "behaviour")


def _default_products() -> list[Product]:
    return [
        Product(name="standard", list_price=400.0, unit_cost=220.0, complexity=0.2,
                mix={"small": 3, "mid": 2, "key": 1, "project": 0.5}),
        Product(name="system", list_price=1500.0, unit_cost=850.0, complexity=0.7,
                mix={"small": 1, "mid": 2, "key": 2, "project": 2}),
        Product(name="engineered", list_price=6000.0, unit_cost=3600.0, complexity=0.9,
                stocked=False, mix={"small": 0, "mid": 0.3, "key": 1, "project": 2}),
    ]


class Scenario(Strict):
    """A channel scenario: market, network, behaviour, policy and (for strategies) rollout.

    A strategy is a scenario with a ``rollout`` section; its ``policy`` takes effect on
    the rollout schedule, and before that the policy of its baseline (the nearest file
    up its ``extends`` chain without a rollout) applies. The loader fills that baseline
    policy in; read it through :attr:`policy_before`.
    """

    name: str = setting("scenario", "The scenario's name (labels its results).",
                        basis="convention")
    description: str = setting("", "What the scenario is, in a sentence (shown in reports).",
                               basis="convention")
    currency: str = setting("EUR", "The currency of every amount of money.", basis="data")
    weeks: Weeks = setting(52, "Weeks simulated.", unit="weeks", basis="convention")
    market: Market = setting(meaning="The market the manufacturer does not control.",
                             basis="data")
    competitor: Competitor = setting(meaning="The competitor brand.", factory=Competitor)
    choice: Choice = setting(meaning="How customers choose.", factory=Choice)
    products: list[Product] = setting(meaning="The product lines.", basis="data",
                                      factory=_default_products, min_length=1)
    network: Network = setting(meaning="The channel network at the start.", basis="data",
                               factory=Network)
    behaviour: Behaviour = setting(meaning="How channel agents behave.", factory=Behaviour)
    policy: Policy = setting(meaning="The manufacturer's channel policy.", basis="policy",
                             factory=Policy)
    rollout: Rollout | None = setting(None, "When a strategy's policy takes effect (a "
                                      "scenario with a rollout is a strategy).", basis="policy")
    uncertainties: dict[str, Range] = setting(
        meaning="Settings not known for sure, by dotted path: each future draws a value in "
        "its range.", basis="convention", factory=dict)

    _policy_before: Policy | None = PrivateAttr(default=None)

    @property
    def policy_before(self) -> Policy:
        """The policy in force before the rollout (the baseline's)."""
        return self._policy_before if self._policy_before is not None else self.policy

    def with_policy_before(self, policy: Policy | None) -> Scenario:
        """Attach the baseline policy (used by the loader) and return self."""
        self._policy_before = policy
        return self

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        regions = set(self.market.regions)
        if self.rollout is not None:
            self._check_rollout(regions)
        names = [p.name for p in self.products]
        if len(set(names)) != len(names):
            raise ValueError("products: names must be unique")
        for seg in ("small", "mid", "key", "project"):
            if sum(p.mix.get(seg, 0.0) for p in self.products) <= 0:
                raise ValueError(f"products: no product line is sold in segment '{seg}' (mix)")
        check_levers(self)
        for path, span in self.uncertainties.items():
            try:
                check_uncertain_path(self, path)
            except ValueError as exc:
                raise ValueError(f"uncertainties.{path}: {exc}") from None
            for end in ("low", "high"):
                why = check_value(Scenario, path, getattr(span, end))
                if why is not None:
                    raise ValueError(f"uncertainties.{path}.{end}: {why} (the range must "
                                     "hold valid values of the setting)")
        return self

    def _check_rollout(self, regions: set[str]) -> None:
        ro = self.rollout
        for r in ro.pilot_regions:
            if r not in regions:
                raise ValueError(f"rollout.pilot_regions: unknown region '{r}'")
        if ro.pilot_regions and set(ro.pilot_regions) >= regions:
            raise ValueError("rollout.pilot_regions: every region is in the pilot, which "
                             "leaves no control region; leave at least one out")
        start = ro.start_week()
        if start > self.weeks:
            where = "pilot_week" if ro.pilot_regions else "full_week"
            raise ValueError(f"rollout.{where}: the strategy starts in week {start}, after "
                             f"the last week simulated (weeks: {self.weeks}); start it "
                             "earlier or simulate longer")


def resolve_path(obj: Any, path: str) -> Any:
    """Return the value at a dotted path (``a.b.c``; dict keys and attributes alike).

    Raises:
        KeyError: when a step of the path does not exist.

    """
    cur = obj
    for part in path.split("."):
        if isinstance(cur, dict):
            if part not in cur:
                raise KeyError(part)
            cur = cur[part]
        elif isinstance(cur, list):
            if not part.isdigit() or int(part) >= len(cur):
                raise KeyError(part)
            cur = cur[int(part)]
        elif isinstance(cur, Strict) and part in type(cur).model_fields:
            cur = getattr(cur, part)
        else:
            raise KeyError(part)
    return cur


def check_uncertain_path(sc: Scenario, path: str) -> None:
    """Validate one ``uncertainties:`` entry: an existing numeric field outside the policy."""
    if path.split(".")[0] not in UNCERTAIN_SECTIONS:
        raise ValueError(
            f"must lie in {', '.join(UNCERTAIN_SECTIONS)} "
            "(policy and rollout are levers, not uncertainties)"
        )
    check_numeric_path(sc, path)


def check_numeric_path(sc: Scenario, path: str) -> None:
    """Raise ValueError unless ``path`` names an existing numeric setting of ``sc``."""
    try:
        value = resolve_path(sc, path)
    except KeyError as exc:
        raise ValueError(f"no such parameter (at '{exc.args[0]}')") from None
    if isinstance(value, dict) and value:
        # a setting by key (choice.brand_constant went by segment in #22): name one key
        keys = ", ".join(f"{path}.{k}" for k in value)
        raise ValueError(f"a setting by key; name one: {keys}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("not a numeric setting")
