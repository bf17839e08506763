"""Random numbers split by purpose, all derived from the replication seed.

* ``setup``: the network and customers (identical for a baseline and its strategies);
* ``demand``: deals — who, what, how much, when (independent of any policy);
* ``choice``: one 64-bit key per deal, drawn when the deal is created; every per-deal
  random number (reach, spec-in, choice noise) is a counter-based hash of that key and
  the agent's id, so it stays aligned between two arms even when the offers differ;
* ``behaviour``: agents' own randomness;
* ``additions``: agents a strategy adds to the network at rollout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
STREAMS = ("setup", "demand", "choice", "behaviour", "additions")

# Salts keep the per-deal hashes of different purposes independent.
SALT_REACH, SALT_SPEC_REACH, SALT_SPEC_IN, SALT_NOISE, SALT_COMPLY = 1, 2, 3, 4, 5
# The competitor's id in per-deal hashes: fixed, so that a strategy adding agents (whose rows
# come after everyone else's) leaves every other draw as in its baseline.
COMPETITOR_HASH_ID = 2**40


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Accept an int, a SeedSequence (e.g. from ``SeedSequence(s).spawn(n)``) or None."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(seed)


@dataclass
class Streams:
    """The model's independent generators, one per purpose."""

    setup: np.random.Generator
    demand: np.random.Generator
    choice: np.random.Generator
    behaviour: np.random.Generator
    additions: np.random.Generator  # agents a strategy adds (kept apart from ``setup``)

    @classmethod
    def from_seed(cls, seed) -> Streams:
        """Derive the four generators from one seed; child ``i`` is the same for any arm."""
        ss = as_seed_sequence(seed)
        children = [
            np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, i))
            for i in range(len(STREAMS))
        ]
        return cls(*(np.random.default_rng(c) for c in children))


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective avalanche of 64-bit integers."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def hash_uniform(keys: np.ndarray, ids: np.ndarray, salt: int) -> np.ndarray:
    """Uniforms in [0, 1) for every (deal key, agent id) pair: shape ``keys.shape + ids.shape``.

    The same key, id and salt always give the same number, whatever else is computed.
    """
    k = np.asarray(keys, dtype=np.uint64)[..., None]
    i = (np.asarray(ids, dtype=np.int64).astype(np.uint64) + np.uint64(1)) * _GOLDEN
    with np.errstate(over="ignore"):
        x = _mix64(k ^ i ^ (np.uint64(salt) * _M2))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def hash_pairs(keys: np.ndarray, ids: np.ndarray, salt: int) -> np.ndarray:
    """Uniforms for matched (deal key, agent id) pairs, element by element.

    ``hash_pairs(k, i, s)[n] == hash_uniform(k[n], i[n], s)``: the same numbers as the
    outer form, for a sparse set of pairs.
    """
    k = np.asarray(keys, dtype=np.uint64)
    i = (np.asarray(ids, dtype=np.int64).astype(np.uint64) + np.uint64(1)) * _GOLDEN
    with np.errstate(over="ignore"):
        x = _mix64(k ^ i ^ (np.uint64(salt) * _M2))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
