"""The market's compiled kernels give the whole-array forms' answers, on random batches.

The references are the numpy forms the model used before the kernels (the forms the
pinned outputs were first written with): ``Partners.specify``'s spec-in and registration,
and settlement's two best bids of each deal.
"""

import numpy as np

from sim.agents.partners import _spec_draws
from sim.market.settle import _two_best
from sim.rng import SALT_SPEC_IN, SALT_SPEC_REACH, hash_joined
from sim.rng_jit import salt_code


def reference(keys, cols, ids, prob, p_spec, p_comp, may_register):
    n_d = len(keys)
    u = hash_joined((keys[:, None], ids[cols], SALT_SPEC_REACH),
                    (keys[:, None], ids[cols], SALT_SPEC_IN), (keys, ids[-1], SALT_SPEC_IN))
    u_reach, u_in, u_comp = np.split(u, [n_d * len(cols), 2 * n_d * len(cols)])
    reached = np.zeros(prob.shape, dtype=bool)
    reached[:, cols] = u_reach.reshape(n_d, len(cols)) < prob[:, cols]
    u_agents = np.ones(prob.shape)
    u_agents[:, cols] = u_in.reshape(n_d, len(cols))
    success = reached & (u_agents < np.minimum(p_spec, 1.0))
    any_spec = success.any(axis=1)
    credited = np.where(any_spec, np.argmax(np.where(success, prob - u_agents, -np.inf), 1), -1)
    comp_spec = ~any_spec & (u_comp < p_comp)
    spec = np.where(any_spec, 1, np.where(comp_spec, -1, 0))
    sellers = reached & may_register
    registered = np.where(sellers.any(axis=1),
                          np.argmax(np.where(sellers, prob - u_agents, -np.inf), 1), -1)
    return credited, spec, registered


def test_spec_draws_match_the_whole_array_form_on_random_batches():
    rng = np.random.default_rng(11)
    for _ in range(300):
        n_d, n_a = int(rng.integers(0, 25)), int(rng.integers(1, 30))
        keys = rng.integers(0, 2**64, n_d, dtype=np.uint64)
        ids = np.append(np.arange(n_a), 2**40)
        cols = np.flatnonzero(rng.random(n_a) < rng.random())
        prob = rng.random((n_d, n_a)) * rng.choice([0.05, 0.5, 1.0])
        prob[rng.random((n_d, n_a)) < 0.3] = 0.0
        p_spec = rng.random(n_a) * rng.choice([0.3, 1.0, 3.0])
        p_comp = float(rng.random())
        may_register = rng.random((n_d, n_a)) < 0.7
        want = reference(keys, cols, ids, prob, p_spec, p_comp, may_register)
        out = tuple(np.full(n_d, -7, dtype=np.int64) for _ in range(3))
        _spec_draws(keys, cols, ids.astype(np.uint64), (prob, np.minimum(p_spec, 1.0), p_comp),
                    may_register, (salt_code(SALT_SPEC_REACH), salt_code(SALT_SPEC_IN)), out)
        for got, w in zip(out, want, strict=True):
            assert (got == w).all()
        # without registration the kernel leaves no claim (-1 everywhere)
        out = tuple(np.full(n_d, -7, dtype=np.int64) for _ in range(3))
        _spec_draws(keys, cols, ids.astype(np.uint64), (prob, np.minimum(p_spec, 1.0), p_comp),
                    np.zeros((0, 0), dtype=bool),
                    (salt_code(SALT_SPEC_REACH), salt_code(SALT_SPEC_IN)), out)
        assert (out[0] == want[0]).all() and (out[1] == want[1]).all()
        assert (out[2] == -1).all()


def test_two_best_bids_are_the_first_two_of_the_stable_sort_by_score():
    rng = np.random.default_rng(12)
    for _ in range(300):
        n_deals = int(rng.integers(1, 15))
        d = np.sort(rng.integers(0, n_deals, int(rng.integers(0, 60))))
        z = rng.choice([-1.0, 0.0, 0.5, 2.0], len(d)) if rng.random() < 0.5 else rng.random(len(d))
        best = np.full((2, n_deals), -1, dtype=np.int64)
        _two_best(d, z, best)
        order = np.lexsort((-z, d))                   # ties (many above) to the earlier bid
        counts = np.bincount(d, minlength=n_deals)
        c = np.flatnonzero(counts >= 2)
        start = np.searchsorted(d[order], c)
        assert (best[0, c] == order[start]).all() and (best[1, c] == order[start + 1]).all()
        one = np.flatnonzero(counts == 1)
        assert (best[0, one] == order[np.searchsorted(d[order], one)]).all()
        assert (best[1, one] == -1).all() and (best[:, counts == 0] == -1).all()
