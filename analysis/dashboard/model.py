"""The models the dashboard drives: a strategy and its baseline, stepped together on one seed.

Opened with a file and seed, the strategy's model is built exactly as ``channelsim run``
builds it (the loaded scenario itself, rollout included, the same seed and weeks), so its
numbers equal the run's from week 1. The baseline is the same market under the policy in
force before the rollout, with no rollout. The levers change the scenario only where they
differ from what the file says: on a strategy they change its policy after the rollout; on
a file without a rollout they make a strategy that switches everywhere at week 1.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import mesa

from analysis.dashboard.serve import SCENARIO_ENV
from sim.model import ChannelModel
from sim.scenario import Scenario, deep_merge, load_scenario
from sim.scenario.policy import Rollout

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "case_baseline.yaml"
TERRITORIES = {  # the choices the dashboard offers, in words, and the rules they stand for
    "Open (no territory rules)": ("open",),
    "Exclusive regions": ("exclusive_regions",),
    "Segment split": ("segment_split",),
    "Segment split and exclusive regions": ("segment_split", "exclusive_regions"),
}
STACKING = {"stacked": "Add up (stacked)", "best_of": "Only the best one applies"}
LEVERS = ("distributor_discount", "promo", "stacking", "territory", "deal_registration",
          "marketplace", "destocking")


def dashboard_scenario() -> Scenario:
    """The scenario the dashboard starts from (``channelsim dashboard FILE``)."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


def territory_label(rules) -> str:
    """The dashboard's words for a list of territory rules (the rules joined if unnamed)."""
    for label, named in TERRITORIES.items():
        if set(named) == set(rules):
            return label
    return " and ".join(rules)


def file_levers(sc: Scenario) -> dict:
    """The levers as the file sets them (the strategy's policy): where the controls start."""
    pol = sc.policy
    return {"distributor_discount": round(pol.discounts.distributor["base"], 4),
            "promo": round(pol.discounts.promo, 4), "stacking": pol.stacking,
            "territory": territory_label(pol.territory),
            "deal_registration": pol.deal_registration, "marketplace": pol.marketplace.enabled,
            "destocking": sc.behaviour.inventory.destocking}


def _policy_changes(sc: Scenario, changed: dict) -> dict:
    """The policy overrides for the levers that differ from the file."""
    pol, out = sc.policy, {}
    if "distributor_discount" in changed:
        # every tier moves by the base tier's change, so the file's tier steps are kept
        delta = changed["distributor_discount"] - pol.discounts.distributor["base"]
        out["discounts"] = {"distributor": {t: round(v + delta, 4)
                                            for t, v in pol.discounts.distributor.items()}}
    if "promo" in changed:
        out.setdefault("discounts", {})["promo"] = changed["promo"]
    if "territory" in changed:
        label = changed["territory"]
        out["territory"] = list(TERRITORIES.get(label, label.split(" and ")))
    for key in ("stacking", "deal_registration"):
        if key in changed:
            out[key] = changed[key]
    if "marketplace" in changed:
        out["marketplace"] = {"enabled": changed["marketplace"]}
    return out


def _merged(sc: Scenario, changes: dict) -> Scenario:
    # deep_merge replaces lists, so territory and tiers come out exactly as given
    return Scenario.model_validate(deep_merge(sc.model_dump(), changes))


def _baseline(sc: Scenario, behaviour: dict) -> Scenario:
    """The market under the policy before the rollout, with no rollout."""
    if sc.rollout is None:
        return _merged(sc, behaviour) if behaviour else sc
    data = sc.model_dump()
    # replaced whole, not merged: a merge would keep keys only the strategy's policy has
    data["policy"], data["rollout"] = sc.policy_before.model_dump(), None
    return _merged(Scenario.model_validate(data), behaviour)


def strategy_and_baseline(sc: Scenario, levers: dict | None = None
                          ) -> tuple[Scenario, Scenario]:
    """The strategy to show and its baseline, with ``levers`` applied where they differ.

    Args:
        sc: the loaded scenario file.
        levers: lever values by name (see :data:`LEVERS`); missing ones keep the file's.

    Returns:
        ``(strategy, baseline)``. With every lever as the file sets it the strategy is
        ``sc`` itself, so it runs exactly as ``channelsim run`` runs the file.

    """
    start = file_levers(sc)
    changed = {k: v for k, v in (levers or {}).items() if k in start and v != start[k]}
    behaviour = ({"behaviour": {"inventory": {"destocking": changed.pop("destocking")}}}
                 if "destocking" in changed else {})
    policy = _policy_changes(sc, changed)
    base = _baseline(sc, behaviour)
    if not policy and not behaviour:
        return sc, base
    if sc.rollout is not None:
        strategy = _merged(sc, {**behaviour, "policy": policy}).with_policy_before(
            base.policy)
    else:
        # a file without a rollout: the changed levers take over everywhere at week 1,
        # after a warm-up under the file's policy, so both start from the same market
        strategy = _merged(base, {"policy": policy, "rollout": Rollout(
            full_week=1).model_dump()}).with_policy_before(base.policy)
    return strategy, base


class DashboardModel(mesa.Model):
    """A strategy and its baseline on the same seed, stepped a week at a time together.

    The constructor's keywords are the dashboard's controls; Mesa's Reset calls it again
    with their values.
    """

    def __init__(self, distributor_discount: float | None = None, promo: float | None = None,
                 stacking: str | None = None, territory: str | None = None,
                 deal_registration: bool | None = None, marketplace: bool | None = None,
                 destocking: bool | None = None, rng=1):
        seed = int(rng)
        super().__init__(rng=seed)
        self.file = dashboard_scenario()
        given = dict(zip(LEVERS, (distributor_discount, promo, stacking, territory,
                                  deal_registration, marketplace, destocking), strict=True))
        # a slider's float comes back as 0.30000000000000004: 4 decimals are the lever
        self.levers = {**file_levers(self.file), **{
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in given.items() if v is not None}}
        strategy, baseline = strategy_and_baseline(self.file, self.levers)
        self.seed = seed
        self.levers_changed = strategy is not self.file
        self.weeks = strategy.weeks
        # built as sim.run.run_model builds a run: scenario, seed and weeks
        self.strategy = ChannelModel(strategy, rng=seed, weeks=self.weeks)
        self.baseline = ChannelModel(baseline, rng=seed, weeks=self.weeks)
        self.week = 0
        # the play loop steps from a thread: a jump must not step the markets at once
        self._lock = threading.RLock()

    def changes(self) -> dict[str, tuple]:
        """The levers set otherwise than the file sets them: name -> (file's, now)."""
        start = file_levers(self.file)
        return {k: (start[k], v) for k, v in self.levers.items() if v != start[k]}

    @property
    def rollout(self) -> Rollout | None:
        """The strategy's rollout (None when the strategy equals the baseline)."""
        return self.strategy.spec.rollout

    def step(self) -> None:
        """One week of both markets; stops running at the scenario's last week."""
        with self._lock:
            if self.week >= self.weeks:
                self.running = False
                return
            self.strategy.step()
            self.baseline.step()
            self.week += 1
            self.running = self.week < self.weeks

    def run_to(self, week: int) -> None:
        """Run both markets on to ``week`` (at most the last week) without drawing."""
        with self._lock:
            for _ in range(min(week, self.weeks) - self.week):
                self.step()

    def at_week(self, week: int) -> DashboardModel:
        """The markets at ``week``: these run on, or rebuilt (same levers, seed) if it passed."""
        model = self if week >= self.week else DashboardModel(**self.levers, rng=self.seed)
        model.run_to(week)
        return model

    def series(self, which: str):
        """The weekly series collected so far for ``strategy`` or ``baseline``."""
        with self._lock:   # fast play draws from one thread while another steps
            # each chart asks many times a frame: one table per market and week
            tables = self.__dict__.setdefault("_series", {})
            week, table = tables.get(which, (None, None))
            if week != self.week:
                table = getattr(self, which).datacollector.get_model_vars_dataframe()
                tables[which] = self.week, table
            return table
