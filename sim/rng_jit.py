"""Compiled SplitMix64: the per-deal hashes of ``sim.rng`` in one pass each.

The same integer steps in the same order as the numpy form (uint64 arithmetic wraps modulo
2**64 in both), the top 53 bits times ``2**-53`` (exact) and the same comparisons, so the
same bits; but one loop with no temporaries instead of eight or more whole-array passes
and their Python calls, which is most of the cost of the week's small hashes and of the
reach draw of a market with many agents.

``hash_below(keys, ids, salt, p)`` is ``hash_uniform(keys, ids, salt) < p``: a pair whose
chance is not above 0 is not hashed at all (a uniform is never below 0, nor below NaN, so
its answer is False either way).

Compiled with ``cache=True`` (the machine code is kept beside the module) and called
once on tiny inputs at import, so no run pays for compiling or loading it.
"""

from __future__ import annotations

import numba
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
UNIT = 1.0 / 9007199254740992.0
_S11, _S27, _S30, _S31 = (np.uint64(s) for s in (11, 27, 30, 31))
_ONE = np.uint64(1)


@numba.njit(cache=True, nogil=True, inline="always")
def _mix(x):  # pragma: no cover - compiled
    x ^= x >> _S30
    x *= M1
    x ^= x >> _S27
    x *= M2
    return x ^ (x >> _S31)


@numba.njit(cache=True, nogil=True, inline="always")
def pair_uniform(salted_key, agent_id):  # pragma: no cover - compiled
    """The uniform of one (deal key XOR salt code, agent id) pair, for other kernels."""
    return np.float64(_mix(salted_key ^ ((agent_id + _ONE) * GOLDEN)) >> _S11) * UNIT


@numba.njit(cache=True, nogil=True)
def mix_to_unit(x, out):  # pragma: no cover - compiled
    """``out[i]``: the uniform of the mixed ``x[i]`` (flat arrays of the same length)."""
    for i in range(x.shape[0]):
        out[i] = np.float64(_mix(x[i]) >> _S11) * UNIT


@numba.njit(cache=True, nogil=True)
def outer_uniform(keys, ids, salt, out):  # pragma: no cover - compiled
    """``out[i, j]``: the uniform of (``keys[i]``, ``ids[j]``) under the salt's code."""
    for i in range(keys.shape[0]):
        k = keys[i] ^ salt
        for j in range(ids.shape[0]):
            out[i, j] = pair_uniform(k, ids[j])


@numba.njit(cache=True, nogil=True)
def matched_uniform(keys, ids, salt, out):  # pragma: no cover - compiled
    """``out[i]``: the uniform of (``keys[i]``, ``ids[i]``), or of ``ids[0]`` if it is alone."""
    alone = ids.shape[0] == 1
    for i in range(keys.shape[0]):
        out[i] = pair_uniform(keys[i] ^ salt, ids[0] if alone else ids[i])


@numba.njit(cache=True, nogil=True)
def mix_keys(week_key, customers, numbers, out):  # pragma: no cover - compiled
    """Deal keys: ``mix(mix(week_key ^ (c + 1) golden) ^ (n + 1) M2)`` per deal."""
    for i in range(customers.shape[0]):
        x = _mix(week_key ^ ((customers[i] + _ONE) * GOLDEN))
        out[i] = _mix(x ^ ((numbers[i] + _ONE) * M2))


@numba.njit(cache=True, nogil=True)
def _below(keys, ids, salt, p, out):  # pragma: no cover - compiled
    n_d, n_a = p.shape
    for i in range(n_d):
        k = keys[i] ^ salt
        for j in range(n_a):
            pij = p[i, j]
            if pij > 0.0:
                out[i, j] = pair_uniform(k, ids[j]) < pij
            else:
                out[i, j] = False


@numba.njit(cache=True, nogil=True)
def _below_cells(keys, ids, salt, table, cells, own, out):  # pragma: no cover - compiled
    reg, seg = cells
    own_agent, own_p = own
    for i in range(keys.shape[0]):
        k = keys[i] ^ salt
        chances = table[reg[i], seg[i]]
        for j in range(ids.shape[0]):
            pij = own_p[i] if j == own_agent[i] else chances[j]
            if pij > 0.0:
                out[i, j] = pair_uniform(k, ids[j]) < pij
            else:
                out[i, j] = False


@numba.njit(cache=True, nogil=True)
def invert_poisson(u, lam, p, k):  # pragma: no cover - compiled
    """``k[i]``: the smallest count whose Poisson(``lam[i]``) cdf reaches ``u[i]``.

    ``p[i]`` comes in as ``exp(-lam[i])`` (numpy's, as the whole-array form had it) and
    leaves as the last term added; the terms and the running cdf are the whole-array
    form's: ``p *= lam / j``, ``cdf += p``, stopping where ``u <= cdf``, where the term
    falls below 1e-300 (a tail below double precision) or at ``j = 10,000``.
    """
    for i in range(u.shape[0]):
        pi, cdf, j = p[i], p[i], 0
        ui, li = u[i], lam[i]
        while ui > cdf and j < 10_000:
            j += 1
            pi *= li / j
            cdf += pi
            if not pi > 1e-300:
                break
        k[i] = j


def salt_code(salt: int) -> np.uint64:
    """``salt * M2`` modulo 2**64 (kept per salt: a handful of them)."""
    code = _SALT_CODES.get(salt)
    if code is None:
        with np.errstate(over="ignore"):
            code = _SALT_CODES[salt] = np.uint64(salt) * M2
    return code


_SALT_CODES: dict[int, np.uint64] = {}


def hash_below(keys: np.ndarray, ids: np.ndarray, salt: int, p: np.ndarray) -> np.ndarray:
    """``hash_uniform(keys, ids, salt) < p`` as a ``[D, A]`` mask, in one compiled pass.

    Args:
        keys: the deals' 64-bit keys, ``[D]``.
        ids: the agents' hash ids (non-negative), ``[A]``.
        salt: the purpose's salt (``sim.rng.SALT_*``).
        p: each pair's chance, ``[D, A]``.

    """
    p = np.ascontiguousarray(p, dtype=np.float64)
    out = np.empty(p.shape, dtype=np.bool_)
    _below(np.asarray(keys, dtype=np.uint64), np.asarray(ids, dtype=np.int64).astype(np.uint64),
           salt_code(salt), p, out)
    return out


def hash_below_cells(keys: np.ndarray, ids: np.ndarray, salt: int, table: np.ndarray,
                     cells: tuple[np.ndarray, np.ndarray],
                     own: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """:func:`hash_below` of chances read from a ``[R, S, A]`` table by each deal's cell.

    Deal ``i``'s chances are ``table[reg[i], seg[i]]``, except agent ``own_agent[i]``'s
    (-1: none), which is ``own_p[i]``: the same numbers as gathering the ``[D, A]`` chances
    and setting those first, without writing them out.

    Args:
        keys: the deals' 64-bit keys, ``[D]``.
        ids: the agents' hash ids (non-negative), ``[A]``.
        salt: the purpose's salt (``sim.rng.SALT_*``).
        table: the chances by cell, ``[R, S, A]``.
        cells: each deal's (region, segment), two ``[D]`` arrays.
        own: each deal's (agent with its own chance, that chance), two ``[D]`` arrays.

    """
    out = np.empty((len(keys), len(ids)), dtype=np.bool_)
    _below_cells(np.asarray(keys, dtype=np.uint64),
                 np.asarray(ids, dtype=np.int64).astype(np.uint64), salt_code(salt),
                 np.ascontiguousarray(table, dtype=np.float64),
                 (np.asarray(cells[0], dtype=np.int64), np.asarray(cells[1], dtype=np.int64)),
                 (np.asarray(own[0], dtype=np.int64), np.asarray(own[1], dtype=np.float64)), out)
    return out


def _load() -> None:
    """Load (or, the first time on a machine, compile) each kernel now, not in a run."""
    one = np.ones(1, dtype=np.uint64)
    mix_to_unit(one, np.empty(1))
    mix_keys(one[0], one, one, np.empty(1, dtype=np.uint64))
    outer_uniform(one, one, one[0], np.empty((1, 1)))
    matched_uniform(one, one, one[0], np.empty(1))
    matched_uniform(one, one, one[0], np.empty(2)[:1])      # a slice of a joined output
    hash_below(one, np.zeros(1, dtype=np.int64), 1, np.ones((1, 1)))
    zero = np.zeros(1, dtype=np.int64)
    hash_below_cells(one, zero, 1, np.ones((1, 1, 1)), (zero, zero), (zero - 1, np.ones(1)))
    invert_poisson(np.ones(1) / 2, np.ones(1), np.ones(1) / 3, np.zeros(1, dtype=np.int64))


_load()
