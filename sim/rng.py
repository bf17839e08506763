"""Random numbers split by purpose, all derived from the replication seed.

* ``setup``: no longer drawn from (the network and customers come from ``network.seed``
  or the client's files, the same in every future: ``sim.world.network_streams``); kept,
  like ``additions``, so that the streams after it keep their seeds;
* ``demand``: deals — who, what, how much, when (independent of any policy). One uniform
  per customer and week gives its number of deals by inverting the Poisson distribution,
  so a higher rate adds deals without moving anyone else's; each deal's 64-bit key is a
  hash of (stream, week, customer, deal number), and its attributes hash that key, so a
  deal is the same deal whatever the rates (common random numbers across settings);
* ``choice``: no longer drawn from (every per-deal random number - reach, spec-in, choice
  noise - is a counter-based hash of the deal's key and the agent's id, so it stays aligned
  between two arms even when the offers differ); kept so that the streams after it keep
  their seeds;
* ``behaviour``: agents' own randomness;
* ``additions``: no longer drawn from (agents a strategy adds come from ``network.seed``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rng_jit import GOLDEN as _GOLDEN
from sim.rng_jit import M1 as _M1
from sim.rng_jit import (
    invert_poisson,
    matched_uniform,
    mix_keys,
    mix_to_unit,
    outer_uniform,
    salt_code,
)

STREAMS = ("setup", "demand", "choice", "behaviour", "additions")

# Salts keep the per-deal hashes of different purposes independent.
SALT_REACH, SALT_SPEC_REACH, SALT_SPEC_IN, SALT_NOISE, SALT_COMPLY = 1, 2, 3, 4, 5
SALT_DEAL = 6
SALT_NEST = 7
# The competitor's id in per-deal hashes: fixed, so that a strategy adding agents (whose rows
# come after everyone else's) leaves every other draw as in its baseline.
COMPETITOR_HASH_ID = 2**40
# The brand nest's id in the per-deal hash of its noise (the choice between the brand's
# offers as a whole and the competitor's).
NEST_HASH_ID = 2**40 + 1


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


_TWO64 = 1 << 64


def _mix64_int(x: int) -> int:
    """SplitMix64's finaliser of one number, in Python integers (for a scalar, faster).

    The bijective avalanche of 64-bit integers that every per-deal hash applies
    (``sim.rng_jit`` applies it to arrays, in compiled loops).
    """
    x %= _TWO64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) % _TWO64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) % _TWO64
    return x ^ (x >> 31)


def _to_unit(x: np.ndarray) -> np.ndarray:
    """The uniforms in [0, 1) of the mixed hashes of ``x`` (any shape, a new array)."""
    x = np.ascontiguousarray(x)
    u = np.empty(x.shape)
    mix_to_unit(x.reshape(-1), u.reshape(-1))
    return u


def _salted(keys: np.ndarray, salt: int) -> np.ndarray:
    """Keys XOR the salt's constant, as a new uint64 array.

    XOR is associative and commutative, so salting the keys before the ids are mixed in
    gives the bits of ``key ^ id ^ salt`` on the smaller array.
    """
    return np.asarray(keys, dtype=np.uint64) ^ salt_code(salt)


def _id_codes(ids: np.ndarray) -> np.ndarray:
    """``(id + 1) * golden``, the ids' contribution to a per-deal hash."""
    return (np.asarray(ids, dtype=np.int64).astype(np.uint64) + np.uint64(1)) * _GOLDEN


def hash_uniform(keys: np.ndarray, ids: np.ndarray, salt: int) -> np.ndarray:
    """Uniforms in [0, 1) for every (deal key, agent id) pair: shape ``keys.shape + ids.shape``.

    The same key, id and salt always give the same number, whatever else is computed.
    """
    keys, ids = np.asarray(keys, dtype=np.uint64), np.asarray(ids, dtype=np.int64)
    if keys.ndim == 1 and ids.ndim == 1:     # the usual form: one compiled pass, no temporaries
        out = np.empty((len(keys), len(ids)))
        outer_uniform(keys, ids.astype(np.uint64), salt_code(salt), out)
        return out
    return hash_pairs(keys[..., None], ids, salt)


def hash_pairs(keys: np.ndarray, ids: np.ndarray, salt: int) -> np.ndarray:
    """Uniforms for matched (deal key, agent id) pairs, element by element.

    ``hash_pairs(k, i, s)[n] == hash_uniform(k[n], i[n], s)``: the same numbers as the
    outer form, for a sparse set of pairs (keys and ids broadcast against each other).
    """
    with np.errstate(over="ignore"):
        return _to_unit(_salted(keys, salt) ^ _id_codes(ids))


def hash_joined(*parts: tuple[np.ndarray, np.ndarray | int, int]) -> np.ndarray:
    """``hash_pairs`` of several (keys, ids, salt) parts, concatenated: one pass for all.

    Each element's bits are those ``hash_pairs`` gives it alone (the hash is elementwise);
    small parts share one mixing pass instead of paying for one each.
    """
    given = [(np.asarray(k, dtype=np.uint64), np.asarray(i, dtype=np.int64), s)
             for k, i, s in parts]
    if all(k.ndim == 1 and (i.ndim == 0 or i.shape == k.shape) for k, i, _ in given):
        # the usual form (1-d keys, one id each or one for all): each part's compiled pass
        # writes its slice of the output
        out = np.empty(sum(len(k) for k, _, _ in given))
        at = 0
        for k, i, s in given:
            matched_uniform(k, i.reshape(-1).astype(np.uint64), salt_code(s), out[at:at + len(k)])
            at += len(k)
        return out
    with np.errstate(over="ignore"):
        return _to_unit(np.concatenate([np.ravel(_salted(keys, salt) ^ _id_codes(ids))
                                        for keys, ids, salt in given]))


def deal_keys(stream: int, week: int, customers: np.ndarray, number: np.ndarray) -> np.ndarray:
    """64-bit keys of deals: a hash of (stream key, week, customer, deal number that week)."""
    c = np.asarray(customers, dtype=np.int64).astype(np.uint64)
    n = np.asarray(number, dtype=np.int64).astype(np.uint64)
    # the week's own key in Python integers modulo 2**64 (the same bits as uint64;
    # warm-up weeks are negative and wrap as int64 -> uint64 does); each deal's key is
    # ``mix(mix(x ^ (c + 1) golden) ^ (n + 1) M2)``, in one compiled pass
    x = np.uint64(_mix64_int(int(stream) ^ ((int(week) % _TWO64) * int(_M1)) % _TWO64))
    out = np.empty(len(c), dtype=np.uint64)
    mix_keys(x, c, n, out)
    return out


def poisson_from_uniform(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion: the smallest ``k`` with ``P(N <= k) >= u``.

    Counts rise monotonically with ``lam`` for a fixed ``u``, so two settings that differ
    only in a rate share their draws (a customer with a deal at the lower rate has it at the
    higher rate too). Cost grows with the largest count, which is small for weekly rates.

    Args:
        u: uniforms in [0, 1), one per count.
        lam: Poisson means (same shape), >= 0.

    """
    u = np.asarray(u, dtype=float)
    lam = np.asarray(lam, dtype=float)
    if lam.shape != u.shape:  # broadcast_to costs more than the rest for a week's rates
        lam = np.broadcast_to(lam, u.shape)
    p = np.ascontiguousarray(np.exp(-lam))
    k = np.empty(u.shape, dtype=np.int64)
    # term by term for each count in one compiled loop (the same arithmetic, in order)
    invert_poisson(np.ascontiguousarray(u).reshape(-1), np.ascontiguousarray(lam).reshape(-1),
                   p.reshape(-1), k.reshape(-1))
    return k
