"""The model the dashboard drives: a scenario with its main levers exposed as arguments."""

from __future__ import annotations

import os
from pathlib import Path

from sim.model import ChannelModel
from sim.scenario import Scenario, deep_merge, load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "case_baseline.yaml"
SCENARIO_ENV = "CHANNELSIM_DASHBOARD_SCENARIO"


def dashboard_scenario() -> Scenario:
    """The scenario the dashboard starts from (``channelsim dashboard FILE``)."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


def with_levers(sc: Scenario, distributor_discount: float, promo: float, stacking: str,
                territory: str, deal_registration: bool, marketplace: bool,
                destocking: bool) -> Scenario:
    """The scenario with the dashboard's levers applied from week 1 (validated again)."""
    tiers = {t: distributor_discount for t in ("base", "silver", "gold")}
    data = deep_merge(sc.model_dump(), {
        "rollout": None,
        "policy": {"discounts": {"distributor": tiers, "promo": promo}, "stacking": stacking,
                   "territory": [territory], "deal_registration": deal_registration,
                   "marketplace": {"enabled": marketplace}},
        "behaviour": {"inventory": {"destocking": destocking}},
    })
    return Scenario.model_validate(data)


class DashboardModel(ChannelModel):
    """ChannelModel whose constructor takes the levers the dashboard's controls set."""

    def __init__(self, distributor_discount: float = 0.30, promo: float = 0.05,
                 stacking: str = "stacked", territory: str = "open",
                 deal_registration: bool = False, marketplace: bool = False,
                 destocking: bool = True, rng=1):
        sc = with_levers(dashboard_scenario(), distributor_discount, promo, stacking, territory,
                         deal_registration, marketplace, destocking)
        super().__init__(sc, rng=int(rng), weeks=sc.weeks)
