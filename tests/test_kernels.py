"""The compiled stand-ins give numpy's numbers to the last bit (``sim.kernels``,
``sim.agents.effort_jit``): the model's outputs must not move when they replace numpy calls.

Each is compared with the numpy form it replaces on random arrays of many lengths
(sums: every length up to 600, then lengths around the pairwise sum's block and halving
points and numpy's buffer size), with zeros, signed zeros and values over nine orders of
magnitude, so a different order of addition would show.
"""

import numpy as np
import pytest

from sim import kernels
from sim.agents.effort_jit import reach_table, spread
from sim.rules.effort import allocate, per_opportunity

LENGTHS = [*range(0, 600), 1000, 1023, 1024, 1025, 4096, 8191, 8192, 8193, 20_000]


def _values(rng, n):
    a = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 6, n)
    a[rng.random(n) < 0.3] = 0.0
    a[rng.random(n) < 0.05] = -0.0
    return a


def _same(x, y) -> bool:
    return np.float64(x).tobytes() == np.float64(y).tobytes()


def test_sums_equal_numpys_pairwise_sum_bit_for_bit():
    rng = np.random.default_rng(11)
    for n in LENGTHS:
        a = _values(rng, n)
        assert _same(kernels.pairwise_sum(a), np.add.reduce(a)), n
        assert _same(kernels.nonzero_sum(a), np.add.reduce(a[a != 0])), n
        assert _same(kernels.pairwise_sum(a[::-3]), np.add.reduce(a[::-3])), n   # strided


def test_sums_of_signed_zeros_and_empty_arrays():
    assert _same(kernels.pairwise_sum(np.zeros(0)), 0.0)
    assert _same(kernels.pairwise_sum(np.array([-0.0, -0.0])), np.add.reduce([-0.0, -0.0]))
    assert _same(kernels.nonzero_sum(np.array([0.0, -0.0])), 0.0)
    assert kernels.pairwise_sum(np.array([1.0, np.inf])) == np.inf


def test_add_at_adds_in_numpys_order():
    rng = np.random.default_rng(12)
    for n in (0, 1, 7, 50, 333):
        v = _values(rng, n)
        i, k = rng.integers(0, 9, n), rng.integers(0, 4, n)
        want1, got1 = np.zeros(9), np.zeros(9)
        np.add.at(want1, i, v)
        kernels.add_at_1d(got1, i, v)
        want2, got2 = np.ones((9, 4)), np.ones((9, 4))
        np.add.at(want2, (i, k), v)
        kernels.add_at_2d(got2, i, k, v)
        assert want1.tobytes() == got1.tobytes() and want2.tobytes() == got2.tobytes()


def test_kernels_refuse_arguments_of_another_type_instead_of_compiling():
    with pytest.raises(TypeError):
        kernels.add_at_1d(np.zeros(3), np.zeros(2, dtype=np.int32), np.zeros(2))
    with pytest.raises(TypeError):
        kernels.nonzero_sum(np.zeros(3, dtype=np.float32))


def _spread_reference(cells, budget, per_deal, masks, settings):
    """The effort plan by the readable rules, as ``EffortPlan`` documents it."""
    (ceiling, grown), (factor, share), (pursued, allowed, listing), (k, cap) = (
        cells, per_deal, masks, settings)
    n_r, n_s, n_a = ceiling.shape
    weight = ceiling * grown[:, :, None] * factor[None]
    effort = allocate(budget, weight.reshape(n_r * n_s, n_a).T,
                      pursued.reshape(n_r * n_s, n_a).T)
    opportunities = grown.reshape(-1)[None, :] * np.tile(share, (1, n_r))
    e = per_opportunity(effort, opportunities)
    sat = -np.expm1(-k * e).T.reshape(n_r, n_s, n_a)
    sat[:, :, listing] = 1.0
    return effort, sat, np.where(allowed, np.minimum(ceiling * sat, cap), 0.0)


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_effort_plan_equals_the_rules(seed):
    rng = np.random.default_rng(seed)
    n_r, n_s, n_a = rng.integers(1, 9), 4, rng.integers(1, 60)
    ceiling = rng.uniform(0, 0.9, (n_r, n_s, n_a))
    grown = rng.uniform(0, 30, (n_r, n_s)) * (rng.random((n_r, n_s)) > 0.2)  # some cells 0
    share = np.where(rng.random((n_a, n_s)) < 0.5, 1.0, rng.uniform(0, 1, (n_a, n_s)))
    budget = rng.uniform(0, 40, n_a) * (rng.random(n_a) > 0.1)
    pursued = rng.random((n_r, n_s, n_a)) < 0.7
    pursued[..., 0] = False                                    # an agent with no cell at all
    args = ((ceiling, grown), budget, (rng.uniform(0, 5e4, (n_s, n_a)), share),
            (pursued, pursued & (rng.random(pursued.shape) < 0.9), rng.random(n_a) < 0.1),
            (rng.uniform(0.05, 2.0), 0.8))
    (cells, budget, per_deal, (pursued, allowed, listing), (k, cap)) = args
    effort, e = spread(cells, budget, per_deal, pursued)
    sat = -np.expm1(-k * e)
    table = reach_table(sat, ceiling, (allowed, listing), cap)
    for got, want in zip((effort, sat, table), _spread_reference(*args), strict=True):
        assert got.shape == want.shape and got.tobytes() == want.tobytes()


def test_crediting_winners_equals_the_add_at_form():
    from sim.market.settle import _credit
    from sim.vocab import Role
    rng = np.random.default_rng(13)
    n, n_a = 400, 30
    revenue, units = _values(rng, n), rng.uniform(1, 50, n)
    price, cost = rng.uniform(10, 1e4, n), rng.uniform(5, 1e4, n)
    role = rng.integers(0, len(Role), n_a)
    won_rows = np.flatnonzero(rng.random(n) < 0.6)
    jw = rng.integers(0, n_a, len(won_rows))
    want = [rng.uniform(0, 1e5, n_a) for _ in range(4)]
    got = [w.copy() for w in want]
    _credit(won_rows, jw, (revenue, units, price, cost), role, tuple(got))
    np.add.at(want[0], jw, revenue[won_rows])
    np.add.at(want[1], jw, 1.0)
    np.add.at(want[2], jw, units[won_rows])
    resellers = (role[jw] == Role.DISTRIBUTOR) | (role[jw] == Role.PARTNER)
    np.add.at(want[3], jw[resellers], ((price - cost) * units)[won_rows][resellers])
    assert all(g.tobytes() == w.tobytes() for g, w in zip(got, want, strict=True))
