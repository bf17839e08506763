"""Known answers for the pure market rules, with the numbers worked out by hand."""

import math

import numpy as np
import pytest

from sim.rng import hash_pairs, hash_uniform
from sim.rules import rebates as rb
from sim.rules.choice import UtilityWeights, choose, gumbel, logit_shares, utility
from sim.rules.commitment import (
    CommitmentWeights,
    commitment_target,
    next_state,
    update_commitment,
)
from sim.rules.inventory import cover_factor, loading_extra, moving_average, order_up_to
from sim.rules.pricing import is_dumping, quote_price, stack_discounts
from sim.vocab import State

ACTIVE, ON_PAPER, DEFECTED, REMOVED = (State.ACTIVE, State.ON_PAPER, State.DEFECTED,
                                       State.REMOVED)


# -- choice -----------------------------------------------------------------------------
def test_logit_shares_three_utilities():
    # exp(1), exp(2), exp(3) over their sum 30.19287485
    shares = logit_shares(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(shares, [0.09003057, 0.24472847, 0.66524096], atol=1e-8)


def test_logit_shares_scale_and_unavailable():
    # with scale 2 the utilities halve: exp(0.5), exp(1.5); the third is unavailable
    shares = logit_shares(np.array([1.0, 3.0, 10.0]), np.array([True, True, False]), scale=2.0)
    e = np.exp([0.5, 1.5])
    np.testing.assert_allclose(shares, [e[0] / e.sum(), e[1] / e.sum(), 0.0])


def test_gumbel_argmax_reproduces_logit_shares():
    u = np.array([0.2, -0.4, 0.9])
    rng = np.random.default_rng(7)
    n = 200_000
    noise = gumbel(rng.random((n, 3)))
    picks = choose(np.broadcast_to(u, (n, 3)), noise, np.ones((n, 3), dtype=bool))
    freq = np.bincount(picks, minlength=3) / n
    np.testing.assert_allclose(freq, logit_shares(u), atol=0.005)


def test_choose_without_options_returns_minus_one():
    pick = choose(np.zeros((2, 2)), np.zeros((2, 2)), np.array([[False, False], [False, True]]))
    assert pick.tolist() == [-1, 1]


def test_utility_worked_example():
    w = UtilityWeights(price=8, delivery=0.15, expertise=1.5, relationship=1.0,
                       specification=2.0, brand_constant=0.3)
    # price 0.9 of list, 2 weeks, complexity 0.7 x expertise 0.8, incumbent, brand specified
    u = utility(w, np.array(0.9), np.array(2.0), np.array(0.7), np.array(0.8), np.array(1.0),
                np.array(1.0), np.array(1.0))
    assert u == pytest.approx(-7.2 - 0.3 + 0.84 + 1.0 + 2.0 + 0.3)


# -- pricing ----------------------------------------------------------------------------
def test_stacked_vs_best_of_discounts():
    comps = np.array([0.30, 0.05, 0.05])
    assert stack_discounts(comps, "stacked", 0.45) == pytest.approx(1 - 0.7 * 0.95 * 0.95)
    assert stack_discounts(comps, "best_of", 0.45) == pytest.approx(0.30)
    assert stack_discounts(np.array([0.4, 0.2]), "stacked", 0.45) == pytest.approx(0.45)
    with pytest.raises(ValueError):
        stack_discounts(comps, "sum", 1.0)


@pytest.mark.parametrize(
    ("rivals", "resale", "expected"),
    [
        (0, 0.0, 90.0),  # street price: 100 x (1 - 0.10)
        (2, 0.0, 82.0),  # price war: 100 x (1 - 0.10 - 2 x 0.04)
        (5, 0.0, 70.0 / 0.94),  # margin floor binds: cost 70 / (1 - 0.06)
        (5, 85.0, 85.0),  # minimum resale price binds
    ],
)
def test_quote_price_worked_examples(rivals, resale, expected):
    p = quote_price(np.array(100.0), np.array(70.0), np.array(0.10), np.array(rivals), 0.04,
                    np.array(0.06), np.array(resale))
    assert float(p) == pytest.approx(expected)


def test_quote_never_above_list_and_dumping():
    p = quote_price(np.array(100.0), np.array(99.0), np.array(0.0), np.array(0), 0.04,
                    np.array(0.2), np.array(0.0))
    assert float(p) == 100.0
    assert is_dumping(np.array([84.0, 85.0]), np.array([100.0, 100.0]), 0.85).tolist() == [
        True, False]


# -- rebates ----------------------------------------------------------------------------
TH, RATES = [100.0, 200.0, 400.0], [0.01, 0.02, 0.03]


@pytest.mark.parametrize(
    ("volume", "retro", "marginal"),
    [
        (50.0, 0.0, 0.0),
        (150.0, 1.5, 0.5),  # retro 150 x 1%; marginal 50 x 1%
        (300.0, 6.0, 3.0),  # retro 300 x 2%; marginal 100 x 1% + 100 x 2%
        (450.0, 13.5, 6.5),  # retro 450 x 3%; marginal 1 + 4 + 50 x 3%
    ],
)
def test_retroactive_vs_marginal_rebate(volume, retro, marginal):
    assert float(rb.retroactive_rebate(volume, TH, RATES)) == pytest.approx(retro)
    assert float(rb.marginal_rebate(volume, TH, RATES)) == pytest.approx(marginal)


def test_weekly_accrual_and_true_up():
    # purchases 150, 100, 100 in one period
    before, accrued_r, accrued_m = 0.0, 0.0, 0.0
    for buy in (150.0, 100.0, 100.0):
        accrued_r += float(rb.weekly_accrual(before, buy, TH, RATES, "retroactive"))
        accrued_m += float(rb.weekly_accrual(before, buy, TH, RATES, "marginal"))
        before += buy
    # retroactive accrues 150 x 1% + 100 x 2% + 100 x 2% = 5.5 and owes 350 x 2% = 7
    assert accrued_r == pytest.approx(5.5)
    assert float(rb.true_up(350.0, accrued_r, TH, RATES, "retroactive")) == pytest.approx(1.5)
    # marginal accrues exactly: 1 + 150 x 2% = 4, nothing to true up
    assert accrued_m == pytest.approx(4.0)
    assert float(rb.true_up(350.0, accrued_m, TH, RATES, "marginal")) == pytest.approx(0.0)
    assert float(rb.rebate(350.0, TH, RATES, "none")) == 0.0


# -- inventory --------------------------------------------------------------------------
def test_order_up_to_worked_example():
    # S = (2 + 1) x 10 + 1 x 10 = 40; IP = 15 + 10 - 0 = 25; order 15
    q = order_up_to(np.array(10.0), np.array(15.0), np.array(10.0), np.array(0.0), 2, 1.0)
    assert float(q) == pytest.approx(15.0)
    # backlog raises the order; a high position orders nothing
    assert float(order_up_to(10.0, 15.0, 10.0, 5.0, 2, 1.0)) == pytest.approx(20.0)
    assert float(order_up_to(10.0, 60.0, 0.0, 0.0, 2, 1.0)) == 0.0
    # destocking to 60% of cover, forward buying 4 weeks: 0.6 x 40 + 40 - 25 = 39
    assert float(order_up_to(10.0, 15.0, 10.0, 0.0, 2, 1.0, 0.6, 40.0)) == pytest.approx(39.0)


def test_order_up_to_over_a_demand_sequence():
    # lead time 1, forecast = mean of the last 2 weeks, no safety stock; start: 20 on hand
    demand = [10, 10, 20, 20, 10]
    history = [10.0, 10.0]
    on_hand, pipeline, orders = 20.0, {}, []
    for t, d in enumerate(demand):
        on_hand += pipeline.pop(t, 0.0)
        on_hand -= d
        history = [*history[1:], float(d)]
        q = float(order_up_to(moving_average(np.array(history)), on_hand,
                              sum(pipeline.values()), 0.0, 1, 0.0))
        pipeline[t + 1] = q
        orders.append(q)
    # S = 2 x forecast.  t0: on hand 20-10=10, f=10, S=20, IP=10 -> 10
    # t1: 10+10-10=10, f=10, IP=10 -> 10      t2: 10+10-20=0, f=15, S=30, IP=0 -> 30
    # t3: 0+30-20=10, f=20, S=40, IP=10 -> 30  t4: 10+30-10=30, f=15, S=30, IP=30 -> 0
    assert orders == [10.0, 10.0, 30.0, 30.0, 0.0]


def test_cover_factor():
    # margin 20% against a normal 25%: a 20% fall; x elasticity 2.5 -> cover 0.5
    k = cover_factor(np.array([0.20, 0.25, 0.25]), np.array([0.25, 0.25, 0.25]),
                     np.array([0.5, 0.5, 0.1]), np.array([0.5, 0.4, 0.5]), 2.5, 0.3)
    np.testing.assert_allclose(k, [0.5, 1.0, 0.3])


def test_loading_extra():
    # 40k short of a 200k tier, 2 weeks left: buy 20k this week; too far or too early: 0
    out = loading_extra(np.array([160e3, 100e3, 160e3]), np.array([200e3, 200e3, np.inf]),
                        0.25, 2, 3)
    np.testing.assert_allclose(out, [20e3, 0.0, 0.0])
    assert float(loading_extra(np.array(160e3), np.array(200e3), 0.25, 5, 3)) == 0.0


# -- commitment -------------------------------------------------------------------------
def test_commitment_target_and_update():
    w = CommitmentWeights(bias=-0.5, margin=8, incentive=20, training=0.6, tier=0.3,
                          volume=0.6, conflict=1.0)
    # x = -0.5 + 8 x 0.05 + 20 x 0.02 + 0.6 + 0.3 x 2 + 0.6 x 1 - log(1 + e - 1) = 1.1
    t = commitment_target(w, np.array(0.05), np.array(0.02), np.array(1.0), np.array(2),
                          np.array(1.0), np.array(math.e - 1))
    assert float(t) == pytest.approx(1 / (1 + math.exp(-1.1)))
    assert float(update_commitment(np.array(0.4), np.array(0.8), 0.1)) == pytest.approx(0.44)


def test_next_state_activity_and_defection():
    state = np.array([ACTIVE, ACTIVE, ON_PAPER, ON_PAPER, REMOVED, ON_PAPER])
    c = np.array([0.5, 0.9, 0.05, 0.05, 0.0, 0.05])
    selling = np.array([True, False, True, False, True, True])
    low = np.array([0, 0, 0, 12, 30, 0])
    s, low2 = next_state(state, c, low, selling, 0.12, 13)
    # selling decides active or on paper whatever the commitment; lasting low commitment
    # defects even a selling agent; a removed agent stays removed
    assert s.tolist() == [ACTIVE, ON_PAPER, ACTIVE, DEFECTED, REMOVED, ACTIVE]
    assert low2.tolist() == [0, 0, 1, 13, 0, 1]


# -- counter-based randomness -----------------------------------------------------------
def test_hashes_are_deterministic_uniform_and_pairwise_equal():
    keys = np.arange(2000, dtype=np.uint64) * np.uint64(7919)
    ids = np.arange(-1, 40)
    u = hash_uniform(keys, ids, 3)
    assert u.shape == (2000, 41)
    np.testing.assert_array_equal(u, hash_uniform(keys, ids, 3))
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.std() - math.sqrt(1 / 12)) < 0.01
    assert not np.allclose(u, hash_uniform(keys, ids, 4))
    d, a = np.nonzero(u < 0.1)
    np.testing.assert_array_equal(hash_pairs(keys[d], ids[a], 3), u[d, a])


def test_sparse_choice_equals_the_dense_argmax():
    from sim.rules.choice import choose_among_bids

    rng = np.random.default_rng(4)
    d_n, a_n = 300, 12
    bid = rng.random((d_n, a_n)) < 0.2
    z = rng.normal(size=(d_n, a_n + 1))
    dense = choose(z, np.zeros_like(z), np.column_stack([bid, np.ones(d_n, dtype=bool)]))
    d, a = np.nonzero(bid)
    best, takes = choose_among_bids(d, z[d, a], z[:, a_n])
    sparse = np.where(takes, a[np.maximum(best, 0)], a_n)
    np.testing.assert_array_equal(sparse, dense)
    # worked example: deal 0 has offers 0.5 and 2.0 against 1.0 -> the second offer;
    # deal 1 has one offer 0.1 against 0.3 -> the outside option; deal 2 has none
    best, takes = choose_among_bids(np.array([0, 0, 1]), np.array([0.5, 2.0, 0.1]),
                                    np.array([1.0, 0.3, 0.0]))
    assert best.tolist() == [1, 2, -1] and takes.tolist() == [True, False, False]
