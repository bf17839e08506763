"""Same seed, same tables; different seed, different tables; paired arms see the same deals."""

import numpy as np
import pandas as pd
import pytest
from conftest import STRATEGIES, model, scenario

from sim import ChannelModel, run_model, simulate


def _tables_equal(a: dict, b: dict) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_same_seed_gives_identical_tables(small):
    _tables_equal(run_model(small, 5).tables(), run_model(small, 5).tables())


def test_different_seed_gives_different_tables(small):
    a, b = simulate(small, 5), simulate(small, 6)
    assert not a["turnover"].equals(b["turnover"])
    assert not a["deals_created"].equals(b["deals_created"])


def test_seed_sequence_children_are_accepted_and_reproducible(small):
    child = np.random.SeedSequence(42).spawn(3)[1]
    again = np.random.SeedSequence(42).spawn(3)[1]
    pd.testing.assert_frame_equal(simulate(small, child), simulate(small, again))


def test_no_global_random_state_is_used(small):
    np.random.seed(1)
    a = simulate(small, 3)
    np.random.seed(999)
    b = simulate(small, 3)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("name", STRATEGIES)
def test_strategy_is_paired_with_the_baseline(name):
    base = model("case_baseline", 1)
    strat = model(name, 1)
    kb, ks = base.kpis(), strat.kpis()
    # the same deals arrive in every week, whatever the policy
    np.testing.assert_array_equal(kb["deals_created"], ks["deals_created"])
    # and every table is identical before the strategy can have any effect
    first = scenario(name).rollout.first_effect_week()
    assert first > 1
    tb, ts = base.tables(), strat.tables()
    for table in tb:
        if table == "flows":       # a total over the last year: no weeks to compare
            continue
        before_b = tb[table][tb[table]["week"] < first].reset_index(drop=True)
        before_s = ts[table][ts[table]["week"] < first].reset_index(drop=True)
        pd.testing.assert_frame_equal(before_b, before_s, check_exact=True)
    # ... and the strategy does change something from then on
    assert not kb["turnover"].iloc[first - 1:].equals(ks["turnover"].iloc[first - 1:])


def test_same_deal_keys_in_both_arms():
    a = ChannelModel(scenario("case_baseline"), rng=4, weeks=10)
    b = ChannelModel(scenario("case_reform"), rng=4, weeks=10)
    a.run_for(10)
    b.run_for(10)
    np.testing.assert_array_equal(a.deals.key, b.deals.key)
    np.testing.assert_array_equal(a.deals.units, b.deals.units)


def test_poisson_by_inversion_known_answers_and_moments():
    from sim.rng import poisson_from_uniform

    # lam = 1: P(0) = 0.3679, P(<=1) = 0.7358, P(<=2) = 0.9197
    k = poisson_from_uniform(np.array([0.1, 0.3678, 0.3680, 0.5, 0.9, 0.95]), np.ones(6))
    assert k.tolist() == [0, 0, 1, 1, 2, 3]
    assert poisson_from_uniform(np.array([0.999]), np.array([0.0])).tolist() == [0]
    u = np.random.default_rng(0).random(100_000)
    for lam in (0.05, 3.0):
        k = poisson_from_uniform(u, np.full(u.size, lam))
        assert k.mean() == pytest.approx(lam, rel=0.03) and k.var() == pytest.approx(lam, rel=0.05)
    # the same uniforms never give fewer deals at a higher rate
    assert (poisson_from_uniform(u, np.full(u.size, 3.3)) >= k).all()


def test_a_higher_demand_rate_adds_deals_and_keeps_the_others():
    low = ChannelModel(scenario("small"), rng=5, weeks=26)
    high_sc = scenario("small").model_copy(deep=True)
    high_sc.market.deal_rate = {s: 1.3 * r for s, r in high_sc.market.deal_rate.items()}
    high = ChannelModel(high_sc, rng=5, weeks=26)
    for m in (low, high):
        m.run_for(26)
    lo, hi = low.deals, high.deals
    keep = np.isin(lo.key[: lo.n], hi.key[: hi.n])
    assert keep.all() and hi.n > lo.n
    # a deal kept is the same deal: customer, product, units and decision week
    order = {k: i for i, k in enumerate(hi.key[: hi.n])}
    j = np.array([order[k] for k in lo.key[: lo.n]])
    for col in ("customer", "product", "units", "decide"):
        np.testing.assert_array_equal(getattr(lo, col)[: lo.n], getattr(hi, col)[j])
