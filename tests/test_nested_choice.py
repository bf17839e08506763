"""Nested logit over the brand's offers (one nest) and the competitor (sim.rules.choice)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chisquare

from sim.rules.choice import (
    choose_nested,
    inclusive_values,
    logit_shares,
    nested_shares,
)

U3 = [-1.0, -1.5, -3.0]
UC = -1.2


def _dense_from_sparse(deal, u, n_deals):
    """[D, J] utilities and mask from (deal, utility) pairs (deal sorted)."""
    counts = np.bincount(deal, minlength=n_deals)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    col = np.arange(len(deal)) - starts[deal]
    width = max(int(counts.max()), 1)
    dense = np.zeros((n_deals, width))
    mask = np.zeros((n_deals, width), dtype=bool)
    dense[deal, col] = u
    mask[deal, col] = True
    return dense, mask, col


def _random_sparse(rng, n_deals, max_offers):
    counts = rng.integers(0, max_offers + 1, size=n_deals)
    deal = np.repeat(np.arange(n_deals), counts)
    return deal, rng.normal(-1.0, 1.0, size=len(deal)), rng.normal(-1.0, 1.0, size=n_deals)


# Hand computation for U = [-1.0, -1.5, -3.0], U_c = -1.2, with t = lambda * sigma:
#   lambda=0.5, sigma=1 (t=0.5): exp(-2)=0.1353352832, exp(-3)=0.0497870684,
#     exp(-6)=0.0024787522, S=0.1876011038, I=0.5*ln S=-0.8367186794,
#     P(brand)=1/(1+exp(-1.2+0.8367186794))=0.5898345165, P(j|b)=e_j/S.
#   lambda=0.5, sigma=2 (t=1): exp(-1)=0.3678794412, exp(-1.5)=0.2231301601,
#     exp(-3)=0.0497870684, S=0.6407966697, I=ln S=-0.4450430804,
#     P(brand)=1/(1+exp((-1.2+0.4450430804)/2))=0.5932647944.
#   lambda=1, sigma=1 (t=1): same S and I as above, P(brand)=1/(1+exp(-0.7549569196))
#     =0.6802578265 (= plain logit: (e_1+e_2+e_3)/(e_1+e_2+e_3+exp(-1.2))).
#   lambda=1, sigma=2 (t=2): exp(-0.5)=0.6065306597, exp(-0.75)=0.4723665527,
#     exp(-1.5)=0.2231301601, S=1.3020273726, I=2 ln S=0.5278451341,
#     P(brand)=1/(1+exp((-1.2-0.5278451341)/2))=0.7034795390.
@pytest.mark.parametrize(
    ("lam", "sig", "i_hand", "p_hand", "cond_hand"),
    [
        (0.5, 1.0, -0.8367186794, 0.5898345165, [0.7213991843, 0.2653879288, 0.0132128870]),
        (0.5, 2.0, -0.4450430804, 0.5932647944, [0.5740969930, 0.3482074279, 0.0776955791]),
        (1.0, 1.0, -0.4450430804, 0.6802578265, [0.5740969930, 0.3482074279, 0.0776955791]),
        (1.0, 2.0, 0.5278451341, 0.7034795390, [0.4658355673, 0.3627931046, 0.1713713282]),
    ],
)
def test_known_answer_three_offers(lam, sig, i_hand, p_hand, cond_hand):
    t = lam * sig
    e = [math.exp(-1.0 / t), math.exp(-1.5 / t), math.exp(-3.0 / t)]
    s = e[0] + e[1] + e[2]
    i_formula = t * math.log(s)
    p_formula = 1.0 / (1.0 + math.exp((UC - i_formula) / sig))
    cond_formula = [e[0] / s, e[1] / s, e[2] / s]

    inc = inclusive_values(np.array([0, 0, 0]), np.array(U3), 1, lam, sig)
    p_b, cond = nested_shares(np.array([U3]), np.ones((1, 3), bool), np.array([UC]), lam, sig)

    assert inc[0] == pytest.approx(i_formula, abs=1e-12)
    assert p_b[0] == pytest.approx(p_formula, abs=1e-12)
    np.testing.assert_allclose(cond[0], cond_formula, rtol=0, atol=1e-12)
    # the 10-digit numbers written out above
    assert inc[0] == pytest.approx(i_hand, abs=1e-9)
    assert p_b[0] == pytest.approx(p_hand, abs=1e-9)
    np.testing.assert_allclose(cond[0], cond_hand, rtol=0, atol=1e-9)


@pytest.mark.parametrize("sig", [0.5, 1.0, 3.0])
def test_nest_one_is_plain_logit(sig):
    rng = np.random.default_rng(11)
    u = rng.normal(0.0, 2.0, size=(400, 4))
    avail = rng.random((400, 4)) < 0.7
    avail[:5] = False  # some deals with no brand offer
    uc = rng.normal(0.0, 2.0, size=400)
    p_b, cond = nested_shares(u, avail, uc, 1.0, sig)
    flat = logit_shares(np.column_stack([u, uc]), np.column_stack([avail, np.ones(400, bool)]), sig)
    np.testing.assert_allclose(p_b[:, None] * cond, flat[:, :4], rtol=0, atol=1e-12)
    np.testing.assert_allclose(1.0 - p_b, flat[:, 4], rtol=0, atol=1e-12)
    assert p_b[:5].tolist() == [0.0] * 5


def test_nest_to_zero_only_best_offer_counts():
    uc = np.array([-1.1])
    # lambda = 1e-9: I(two identical) - I(one) = lambda*sigma*ln 2 = 6.9e-10, so P(brand)
    # moves by at most 0.25 * 6.9e-10 < 1e-9
    one = nested_shares(np.array([[-1.0]]), np.ones((1, 1), bool), uc, 1e-9)[0][0]
    two = nested_shares(np.array([[-1.0, -1.0]]), np.ones((1, 2), bool), uc, 1e-9)[0][0]
    best_and_worse = nested_shares(np.array([[-1.0, -1.3]]), np.ones((1, 2), bool), uc, 1e-9)
    binary = 1.0 / (1.0 + math.exp(-1.1 + 1.0))  # 0.5249791875
    assert two == pytest.approx(one, abs=1e-9)
    assert one == pytest.approx(binary, abs=1e-12)
    assert best_and_worse[0][0] == pytest.approx(binary, abs=1e-12)
    np.testing.assert_allclose(best_and_worse[1][0], [1.0, 0.0], atol=1e-12)
    # lambda = 1e-6: the duplicate shifts I by exactly lambda*sigma*ln 2 (P by ~1.7e-7)
    inc = inclusive_values(np.array([0, 1, 1]), np.array([-1.0, -1.0, -1.0]), 2, 1e-6)
    assert inc[1] - inc[0] == pytest.approx(1e-6 * math.log(2.0), rel=1e-6)
    one6 = nested_shares(np.array([[-1.0]]), np.ones((1, 1), bool), uc, 1e-6)[0][0]
    two6 = nested_shares(np.array([[-1.0, -1.0]]), np.ones((1, 2), bool), uc, 1e-6)[0][0]
    assert two6 - one6 == pytest.approx(binary * (1 - binary) * 1e-6 * math.log(2.0), rel=1e-5)


@pytest.mark.parametrize(("lam", "sig"), [(0.2, 1.0), (0.7, 2.0), (1.0, 0.5)])
def test_sparse_inclusive_value_matches_dense(lam, sig):
    rng = np.random.default_rng(5)
    n = 600
    deal, u, uc = _random_sparse(rng, n, 4)
    dense, mask, col = _dense_from_sparse(deal, u, n)
    empty = ~mask.any(axis=1)
    assert 50 < empty.sum() < 200  # about a fifth of the deals have no offer

    inc = inclusive_values(deal, u, n, lam, sig)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p_b, cond = nested_shares(dense, mask, uc, lam, sig)
    implied = uc[~empty] + sig * (np.log(p_b[~empty]) - np.log1p(-p_b[~empty]))
    np.testing.assert_allclose(inc[~empty], implied, rtol=0, atol=1e-9)
    terms = np.where(mask, np.exp(dense / (lam * sig)), 0.0)[~empty]
    direct = lam * sig * np.log(terms.sum(axis=1))  # plain formula, fine for these utilities
    np.testing.assert_allclose(inc[~empty], direct, rtol=0, atol=1e-12)
    assert np.all(inc[empty] == -np.inf)
    assert np.all(p_b[empty] == 0.0) and np.all(cond[empty] == 0.0)
    np.testing.assert_allclose(cond[~empty].sum(axis=1), 1.0, atol=1e-12)

    g_bids, g_nest, g_out = rng.gumbel(size=len(deal)), rng.gumbel(size=n), rng.gumbel(size=n)
    best, chose = choose_nested(deal, u, g_bids, uc, g_nest, g_out, lam, sig)
    assert np.all(best[empty] == -1) and not chose[empty].any()
    z = np.full(mask.shape, -np.inf)
    z[deal, col] = u + lam * sig * g_bids
    dense_best = np.argmax(z, axis=1)
    assert np.array_equal(col[best[~empty]], dense_best[~empty])
    assert np.array_equal(deal[best[~empty]], np.flatnonzero(~empty))
    assert np.array_equal(chose[~empty], (inc + sig * g_nest >= uc + sig * g_out)[~empty])


@pytest.mark.parametrize("lam", [0.3, 0.6, 1.0])
def test_exact_draw_frequencies(lam):
    rng = np.random.default_rng(20240611)
    n = 200_000
    deal = np.repeat(np.arange(n), 2)
    u = np.tile([-1.0, -1.4], n)
    uc = np.full(n, -1.1)
    best, chose = choose_nested(
        deal, u, rng.gumbel(size=2 * n), uc, rng.gumbel(size=n), rng.gumbel(size=n), lam, 1.0
    )
    k = best - 2 * np.arange(n)  # 0 or 1: which offer of the deal is best in the nest
    assert set(np.unique(k).tolist()) == {0, 1}
    counts = np.array([np.sum(chose & (k == 0)), np.sum(chose & (k == 1)), np.sum(~chose)])

    e0, e1 = math.exp(-1.0 / lam), math.exp(-1.4 / lam)
    p_b = 1.0 / (1.0 + math.exp(-1.1 - lam * math.log(e0 + e1)))
    probs = np.array([p_b * e0 / (e0 + e1), p_b * e1 / (e0 + e1), 1.0 - p_b])
    assert chisquare(counts, n * probs).pvalue > 0.001
    np.testing.assert_allclose(counts / n, probs, rtol=0, atol=0.005)


def test_removing_an_offer_keeps_common_random_numbers():
    rng = np.random.default_rng(3)
    n, lam, sig = 10_000, 0.5, 1.0
    deal = np.repeat(np.arange(n), 3)
    u = rng.normal(-1.0, 1.0, size=3 * n)
    g_bids = rng.gumbel(size=3 * n)
    uc, g_nest, g_out = rng.normal(-1.0, 1.0, size=n), rng.gumbel(size=n), rng.gumbel(size=n)
    removed = rng.integers(0, 3, size=n)
    keep = np.arange(3 * n) % 3 != np.repeat(removed, 3)

    best_f, chose_f = choose_nested(deal, u, g_bids, uc, g_nest, g_out, lam, sig)
    best_r, chose_r = choose_nested(deal[keep], u[keep], g_bids[keep], uc, g_nest, g_out, lam, sig)
    orig_r = np.flatnonzero(keep)[best_r]  # reduced winner as an index into the full offers
    inc_f = inclusive_values(deal, u, n, lam, sig)
    inc_r = inclusive_values(deal[keep], u[keep], n, lam, sig)

    # I strictly decreases when an offer is removed
    assert np.all(inc_r < inc_f)
    # a brand win in the reduced arm implies a brand win in the full arm
    assert not np.any(chose_r & ~chose_f)
    # the full winner, when still offered, also wins inside the reduced nest
    stays = best_f % 3 != removed
    assert np.array_equal(orig_r[stays], best_f[stays])
    # the reduced winner is the best remaining offer under the same draws
    z = (u + lam * sig * g_bids).reshape(n, 3)
    z[np.arange(n), removed] = -np.inf
    assert np.array_equal(orig_r, 3 * np.arange(n) + np.argmax(z, axis=1))
    # both implications are one-way: all these cases occur
    assert stays.sum() > 5000 and (~stays).sum() > 1000
    assert 100 < np.sum(chose_f & ~chose_r) < 2000
    assert np.sum(chose_r) > 3000


def test_stable_for_tiny_nest_and_large_utilities():
    rng = np.random.default_rng(9)
    n = 300
    deal, _, _ = _random_sparse(rng, n, 5)
    u = rng.uniform(-50.0, 50.0, size=len(deal))
    uc = rng.uniform(-50.0, 50.0, size=n)
    dense, mask, _ = _dense_from_sparse(deal, u, n)
    has = mask.any(axis=1)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        inc = inclusive_values(deal, u, n, 1e-4)
        p_b, cond = nested_shares(dense, mask, uc, 1e-4)
        best, chose = choose_nested(
            deal, u, rng.gumbel(size=len(deal)), uc, rng.gumbel(size=n), rng.gumbel(size=n), 1e-4
        )
    assert np.all(np.isfinite(inc[has])) and np.all(inc[~has] == -np.inf)
    assert np.all(np.isfinite(p_b)) and np.all(np.isfinite(cond))
    top = np.where(mask, dense, -np.inf).max(axis=1)
    assert np.all(inc[has] >= top[has]) and np.all(inc[has] <= top[has] + 1e-4 * math.log(5))
    np.testing.assert_allclose(cond[has].sum(axis=1), 1.0, atol=1e-12)
    assert np.all((best >= 0) == has) and not chose[~has].any()


@pytest.mark.parametrize(("nest", "scale"), [(0.0, 1.0), (1.5, 1.0), (0.5, 0.0), (-0.2, 1.0)])
def test_argument_validation(nest, scale):
    d, u, one = np.array([0]), np.array([-1.0]), np.array([0.0])
    with pytest.raises(ValueError):
        inclusive_values(d, u, 1, nest, scale)
    with pytest.raises(ValueError):
        nested_shares(u[None, :], np.ones((1, 1), bool), one, nest, scale)
    with pytest.raises(ValueError):
        choose_nested(d, u, one, one, one, one, nest, scale)
