"""The compiled hashes are the numpy SplitMix64 of the per-deal draws, bit for bit.

The reference below is the whole-array numpy form the model used before the hashes were
compiled (the form its pinned outputs were first written with).
"""

import numpy as np

from sim.rng import (
    SALT_REACH,
    deal_keys,
    hash_joined,
    hash_pairs,
    hash_uniform,
    poisson_from_uniform,
)
from sim.rng_jit import hash_below, hash_below_cells

GOLDEN, M1, M2 = (np.uint64(v) for v in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9,
                                         0x94D049BB133111EB))


def mix(x):
    x = np.array(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= M1
        x ^= x >> np.uint64(27)
        x *= M2
        x ^= x >> np.uint64(31)
    return x


def uniform(keys, ids, salt):
    with np.errstate(over="ignore"):
        x = (np.asarray(keys, dtype=np.uint64) ^ (np.uint64(salt) * M2)) ^ (
            (np.asarray(ids, dtype=np.int64).astype(np.uint64) + np.uint64(1)) * GOLDEN)
    return (mix(x) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def test_the_reference_mix_has_splitmix64s_known_first_output():
    # SplitMix64 seeded with 0 first returns mix(0 + golden) = 0xE220A8397B1DCDAF
    assert int(mix([GOLDEN])[0]) == 0xE220A8397B1DCDAF


def _batch(rng, most: int) -> tuple[np.ndarray, np.ndarray]:
    """Random deal keys (any 64-bit value) and agent ids, each up to ``most`` long."""
    n_d, n_a = rng.integers(0, most, 2)
    return rng.integers(0, 2**64, n_d, dtype=np.uint64), rng.integers(0, 2**41, n_a)


def test_hashes_match_the_numpy_reference_on_random_batches():
    rng = np.random.default_rng(3)
    for _ in range(100):
        keys, ids = _batch(rng, 30)
        salt = int(rng.integers(1, 8))
        outer = uniform(keys[:, None], ids[None, :], salt)
        assert (hash_uniform(keys, ids, salt) == outer).all()
        assert (hash_pairs(keys[:, None], ids[None, :], salt) == outer).all()
        joined = hash_joined((keys[:, None], ids, salt), (keys, 2**40, salt + 1))
        want = np.concatenate([outer.ravel(), uniform(keys, 2**40, salt + 1)])
        assert (joined == want).all()


def test_deal_keys_match_the_numpy_reference_over_weeks_and_streams():
    rng = np.random.default_rng(4)
    for week in (-52, -1, 0, 1, 155):
        stream = int(rng.integers(2**63))
        cust, number = rng.integers(0, 10**6, 50), rng.integers(0, 5, 50)
        with np.errstate(over="ignore"):
            x = mix([np.uint64(stream) ^ (np.int64(week).astype(np.uint64) * M1)])[0]
            c = mix(((cust.astype(np.uint64) + np.uint64(1)) * GOLDEN) ^ x)
            want = mix(((number.astype(np.uint64) + np.uint64(1)) * M2) ^ c)
        assert (deal_keys(stream, week, cust, number) == want).all()


def test_hash_below_matches_the_hash_on_random_batches():
    rng = np.random.default_rng(7)
    for _ in range(200):
        keys, ids = _batch(rng, 40)
        n_d, n_a = len(keys), len(ids)
        p = rng.random((n_d, n_a)) * rng.choice([0.01, 0.5, 1.0, 2.0])
        p[rng.random((n_d, n_a)) < 0.2] = 0.0           # no chance: never hashed
        p[rng.random((n_d, n_a)) < 0.05] = np.nan
        p[rng.random((n_d, n_a)) < 0.05] = -0.3
        salt = int(rng.integers(1, 8))
        want = uniform(keys[:, None], ids[None, :], salt) < p
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


def poisson_reference(u, lam):
    p = np.exp(-lam)
    cdf = p.copy()
    k = np.zeros(u.shape, dtype=np.int64)
    idx = np.flatnonzero(u > cdf)
    j = 0
    while idx.size and j < 10_000:
        j += 1
        p[idx] *= lam[idx] / j
        cdf[idx] += p[idx]
        k[idx] = j
        idx = idx[(u[idx] > cdf[idx]) & (p[idx] > 1e-300)]
    return k


def test_poisson_counts_match_the_whole_array_inversion():
    rng = np.random.default_rng(5)
    for scale in (0.01, 0.3, 2.0, 40.0, 800.0):
        u = rng.random(2000)
        u[:5] = [0.0, 1.0 - 2.0**-53, 0.5, 0.9999999, 1e-300]
        lam = rng.random(2000) * scale
        lam[:3] = [0.0, 1e-12, scale]
        assert (poisson_from_uniform(u, lam) == poisson_reference(u, lam)).all()


def test_hash_below_cells_is_hash_below_of_the_gathered_chances():
    rng = np.random.default_rng(9)
    for _ in range(200):
        n_d, n_a, n_r, n_s = (int(x) for x in rng.integers(1, 20, 4))
        keys = rng.integers(0, 2**64, n_d, dtype=np.uint64)
        ids = np.arange(n_a)
        table = rng.random((n_r, n_s, n_a)) * (rng.random((n_r, n_s, n_a)) < 0.7)
        reg, seg = rng.integers(0, n_r, n_d), rng.integers(0, n_s, n_d)
        own_agent = np.where(rng.random(n_d) < 0.5, rng.integers(0, n_a, n_d), -1)
        own_p = rng.random(n_d) * (rng.random(n_d) < 0.8)
        p = table[reg, seg]
        has = own_agent >= 0
        p[np.flatnonzero(has), own_agent[has]] = own_p[has]
        want = hash_below(keys, ids, SALT_REACH, p)
        got = hash_below_cells(keys, ids, SALT_REACH, table, (reg, seg), (own_agent, own_p))
        assert (got == want).all()
