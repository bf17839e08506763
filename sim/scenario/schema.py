"""The scenario: one validated object holding everything a run needs."""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr, model_validator

from sim.scenario.about import setting
from sim.scenario.behaviour import Behaviour
from sim.scenario.fields import annotation_at, check_value, numeric_bounds
from sim.scenario.levers import check_levers
from sim.scenario.market import (
    Choice,
    Competitor,
    Market,
    Network,
    Product,
    Strict,
    Weeks,
)
from sim.scenario.policy import Policy, Rollout
from sim.scenario.uncertain import (
    JOINT,
    Joint,
    Normal,
    Uncertain,
    finite_bounds,
    marginal_range,
    paths_of,
)
from sim.vocab import SEGMENTS

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
    uncertainties: dict[str, Uncertain] = setting(
        meaning="Settings not known for sure, by dotted path: each future draws a value, "
        "uniformly in a range {low, high}, from a normal {dist: normal, mean, sd}, or, under "
        "the key joint, several together from {paths, mean, cov} (normals truncated to the "
        "schema's bounds).", basis="convention", factory=dict)

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
        self._check_uncertainties()
        self._check_trade()
        return self

    def _check_trade(self) -> None:
        # A market where nothing can be sold runs to all-zero tables, and every comparison
        # against it reads +0.0%: refuse it here, before any run, naming the setting.
        ranges = self.uncertain_ranges()

        def most(path: str, value: float) -> float:  # an uncertain setting may draw more
            return max(value, ranges.get(path, (value, value))[1])

        m = self.market
        if not any(most(f"market.segment_shares.{s}", m.segment_shares[s]) > 0
                   and most(f"market.deal_rate.{s}", m.deal_rate[s]) > 0 for s in SEGMENTS):
            raise ValueError("market.deal_rate: no customer raises a deal (every segment's "
                             "rate, or its share, is 0), so nothing can be sold; give a "
                             "segment with customers a rate above 0")
        if not has_sellers(self):
            raise ValueError("network: no agent can sell: distributors, direct_reps and every "
                             "partner kind but specifier (who only advise) are 0 and no "
                             "marketplace sells (network.marketplace with "
                             "policy.marketplace.enabled); contract at least one seller")

    def _check_uncertainties(self) -> None:
        for path, entry in self.uncertainties.items():
            if path == JOINT or isinstance(entry, Joint):
                if path != JOINT or not isinstance(entry, Joint):
                    raise ValueError(f"uncertainties.{path}: settings drawn together go under "
                                     f"the key '{JOINT}' as {{paths, mean, cov}}")
                self._check_joint(entry)
                continue
            ends = (("mean", entry.mean),) if isinstance(entry, Normal) else (
                ("low", entry.low), ("high", entry.high))
            self._check_entry(path, ends, f"uncertainties.{path}")

    def _check_joint(self, joint: Joint) -> None:
        where = f"uncertainties.{JOINT}"
        for i, path in enumerate(joint.paths):
            if path in self.uncertainties:
                raise ValueError(f"{where}.paths: {path} is also declared on its own; "
                                 "declare it once")
            self._check_entry(path, (("mean", joint.mean[i]),), f"{where}.{path}")

    def _check_entry(self, path: str, ends, where: str) -> None:
        try:
            check_uncertain_path(self, path)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        for end, value in ends:
            why = check_value(Scenario, path, value)
            if why is not None:
                hint = ("the mean must be a valid value" if end == "mean"
                        else "the range must hold valid values")
                raise ValueError(f"{where}.{end}: {why} ({hint} of the setting)")

    def uncertain_paths(self) -> list[str]:
        """Every uncertain setting, in the order its values are drawn."""
        return paths_of(self.uncertainties)

    def uncertain_ranges(self) -> dict[str, tuple[float, float]]:
        """A range per uncertain setting: a range's ends, a normal's 5% and 95% points.

        For studies that move one setting across a range (sensitivity); a joint block's
        settings count by their marginal normals.
        """
        out = {}
        for path, entry in self.uncertainties.items():
            if isinstance(entry, Joint):
                for i, p in enumerate(entry.paths):
                    one = Normal(mean=entry.mean[i], sd=float(entry.cov[i][i]) ** 0.5)
                    out[p] = marginal_range(one, schema_bounds(p))
            else:
                out[path] = marginal_range(entry, schema_bounds(path))
        return out

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


def has_sellers(sc: Scenario) -> bool:
    """Whether some agent of ``sc`` can sell, at the start or once its rollout adds one.

    A roster's agents are checked with the roster; a strategy that adds or retypes agents,
    or whose baseline may list on the marketplace, is given the benefit of the doubt.
    """
    net = sc.network
    if net.roster is not None or net.distributors or net.direct_reps:
        return True
    if any(n for kind, n in net.partners.items() if kind != "specifier"):
        return True
    if net.marketplace and (sc.policy.marketplace.enabled or sc.rollout is not None):
        return True
    changes = sc.rollout.network_changes if sc.rollout is not None else []
    return any(c.action in ("add", "retype") for c in changes)


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


def schema_bounds(path: str) -> tuple[float, float]:
    """The bounds the schema puts on the setting at ``path`` (infinite where open)."""
    return finite_bounds(*numeric_bounds(annotation_at(Scenario, path)))


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
