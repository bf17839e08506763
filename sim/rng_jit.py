"""Compiled per-pair draws: the reach hash of every (deal, agent) pair in one pass.

``hash_below(keys, ids, salt, p)`` is ``hash_uniform(keys, ids, salt) < p`` of
``sim.rng``, bit for bit: the same SplitMix64 integer steps in the same order (uint64
arithmetic wraps modulo 2**64 in both), the top 53 bits times ``2**-53`` (exact), and the
same comparison. A pair whose chance is not above 0 is not hashed at all: a uniform is
never below 0 (nor below NaN), so its answer is False either way. The numpy form makes
eight passes over a deal-by-agent array and the float array of uniforms; this is one
pass with no temporary, which is most of the cost of a market with many agents.

Compiled with ``cache=True`` (the machine code is kept beside the module) and called
once on a tiny input at import, so no run pays for compiling or loading it.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.rng import _GOLDEN, _M1, _M2, _UNIT, _salt_code

_S11, _S27, _S30, _S31 = (np.uint64(s) for s in (11, 27, 30, 31))
_ONE = np.uint64(1)


@numba.njit(cache=True, nogil=True)
def _below(keys, ids, salt, p, out):  # pragma: no cover - compiled
    n_d, n_a = p.shape
    for i in range(n_d):
        k = keys[i] ^ salt
        for j in range(n_a):
            pij = p[i, j]
            if pij > 0.0:
                x = k ^ ((ids[j] + _ONE) * _GOLDEN)
                x ^= x >> _S30
                x *= _M1
                x ^= x >> _S27
                x *= _M2
                x ^= x >> _S31
                out[i, j] = np.float64(x >> _S11) * _UNIT < pij
            else:
                out[i, j] = False


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
           _salt_code(salt), p, out)
    return out


# load (or, the first time on a machine, compile) the machine code now, not in a run
hash_below(np.zeros(1, dtype=np.uint64), np.zeros(1, dtype=np.int64), 1, np.ones((1, 1)))
