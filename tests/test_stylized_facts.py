"""The source's case, as the mean over fixed seeds, each strategy paired with the baseline."""

import numpy as np
import pytest
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


def test_reform_grows_distributor_turnover_in_weeks_52_to_91_without_new_agents():
    def gain(k, kb):
        w = k["week"].between(52, 91)
        return k.loc[w, "turnover_distributor"].sum() / kb.loc[w, "turnover_distributor"].sum()

    assert _mean(gain, "case_reform") > 1.0
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
    change = _mean(lambda k, kb: k["turnover"].sum() / kb["turnover"].sum() - 1,
                   "cut_distributor_discount")
    assert change < 0


@pytest.mark.parametrize("name", ["case_reform"])
def test_reform_gain_is_what_the_case_shows(name):
    change = _mean(lambda k, kb: k["turnover"].sum() / kb["turnover"].sum() - 1, name)
    assert change > 0


def test_the_same_reform_done_badly_shrinks_turnover():
    """Without the focus gains and pruning every inactive partner, the reform loses turnover."""
    from conftest import scenario

    from sim import simulate

    r = scenario("case_reform")
    policy = r.policy.model_copy(update={
        "territory_focus_gain": 0.0,
        "direct": r.policy.direct.model_copy(update={"focus_gain": 0.0})})
    prune_all = r.rollout.network_changes[0].model_copy(update={"share": 1.0})
    rollout = r.rollout.model_copy(
        update={"network_changes": [prune_all, *r.rollout.network_changes[1:]]})
    bad = r.model_copy(update={"policy": policy, "rollout": rollout}).with_policy_before(
        r.policy_before)
    change = np.mean([simulate(bad, s)["turnover"].sum()
                      / model("case_baseline", s).kpis()["turnover"].sum() - 1 for s in SEEDS])
    assert change < -0.05
