"""The source's case, as the mean over fixed seeds, each strategy paired with the baseline."""

import numpy as np
from conftest import model

SEEDS = (1, 2, 3, 4, 5)


def _mean(fn, name="case_baseline"):
    return float(np.mean([fn(model(name, s).kpis(), model("case_baseline", s).kpis())
                          for s in SEEDS]))


def test_baseline_few_agents_make_the_real_sales():
    # top 20% of contracted distributors and partners make >= 60% of their sell-through
    assert _mean(lambda k, _: k["top20_share"].iloc[-1]) >= 0.60


def test_baseline_has_conflicts_dumping_and_agents_on_paper():
    assert _mean(lambda k, _: k["conflicts"].sum() / k["deals_created"].sum()) > 0.05
    assert _mean(lambda k, _: k["price_dumping"].sum()) > 0
    assert _mean(lambda k, _: k["poaching"].sum()) > 0
    inactive = _mean(lambda k, _: 1 - k["agents_active"].mean() / k["agents_contracted"].mean())
    assert 0.2 < inactive < 0.8


def _conflicts_per_deal(k, weeks):
    part = k[k["week"].between(*weeks)]
    return part["conflicts"].sum() / part["deals_created"].sum()


def test_reform_has_fewer_conflicts_per_deal_after_rollout():
    diff = _mean(lambda k, kb: _conflicts_per_deal(k, (52, 156)) - _conflicts_per_deal(
        kb, (52, 156)), "case_reform")
    assert diff < -0.05


def test_reform_adds_no_agents():
    for s in SEEDS:
        k, kb = model("case_reform", s).kpis(), model("case_baseline", s).kpis()
        assert k["agents_contracted"].max() <= kb["agents_contracted"].iloc[0]
        assert model("case_reform", s).channel.n == model("case_baseline", s).channel.n


def test_abrupt_discount_cut_makes_distributors_destock():
    def sell_in_ratio(k, kb):
        w = k["week"].between(52, 59)
        return k.loc[w, "turnover_distributor"].sum() / kb.loc[w, "turnover_distributor"].sum()

    assert _mean(sell_in_ratio, "cut_distributor_discount") < 0.95
    # end-customer sales through distributors hold up far better than sell-in in those weeks
    def stock_fall(k, kb):
        w = k["week"].between(52, 59)
        return (k.loc[w, "channel_inventory_value"].mean()
                / kb.loc[w, "channel_inventory_value"].mean())

    assert _mean(stock_fall, "cut_distributor_discount") < 1.0


def test_model_can_show_a_strategy_shrinking_turnover():
    """Selling only through the direct team (distributors and partners barred) shrinks it."""
    from conftest import scenario

    from sim import simulate
    from sim.scenario import Scenario, deep_merge

    base = scenario("case_baseline")
    direct_only = {"territory": ["segment_split"],
                   "segment_roles": {s: ["direct"] for s in ("small", "mid", "key", "project")}}
    data = deep_merge(base.model_dump(), {"policy": direct_only, "rollout": {"full_week": 52},
                                          "uncertainties": {}})
    strategy = Scenario.model_validate(data).with_policy_before(base.policy)
    change = np.mean([simulate(strategy, s)["turnover"].sum()
                      / model("case_baseline", s).kpis()["turnover"].sum() - 1 for s in SEEDS])
    assert change < -0.2
