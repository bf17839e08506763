"""The compiled reach draw is the numpy hash's comparison, bit for bit."""

import numpy as np

from sim.rng import SALT_REACH, hash_uniform
from sim.rng_jit import hash_below


def test_hash_below_matches_the_numpy_hash_on_random_batches():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n_d, n_a = rng.integers(0, 40, 2)
        keys = rng.integers(0, 2**64, n_d, dtype=np.uint64)
        ids = rng.integers(0, 2**41, n_a)
        p = rng.random((n_d, n_a)) * rng.choice([0.01, 0.5, 1.0, 2.0])
        p[rng.random((n_d, n_a)) < 0.2] = 0.0           # no chance: never hashed
        p[rng.random((n_d, n_a)) < 0.05] = np.nan
        p[rng.random((n_d, n_a)) < 0.05] = -0.3
        salt = int(rng.integers(1, 8))
        want = hash_uniform(keys, ids, salt) < p
        got = hash_below(keys, ids, salt, p)
        assert got.dtype == bool and got.shape == want.shape
        assert (got == want).all()


def test_hash_below_at_a_chance_just_above_and_at_its_uniform():
    keys = np.array([12345, 2**63 + 17], dtype=np.uint64)
    ids = np.array([0, 3, 2**40])
    u = hash_uniform(keys, ids, SALT_REACH)
    # a draw succeeds when its uniform is strictly below the chance
    assert not hash_below(keys, ids, SALT_REACH, u).any()
    assert hash_below(keys, ids, SALT_REACH, np.nextafter(u, 2.0)).all()
    # a uniform times 2**53 is a whole number below 2**53 (the top 53 bits of the hash)
    scaled = u * 2.0**53
    assert (scaled == np.floor(scaled)).all() and (scaled < 2.0**53).all()
