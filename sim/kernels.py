"""Compiled stand-ins for small numpy reductions, equal to numpy's results bit for bit.

A week of the model makes a few hundred array calls on a few hundred numbers each, where
numpy's per-call overhead (2-4 microseconds for ``np.add.at`` or a masked sum) costs more
than the arithmetic. These kernels do the same arithmetic in the same order, so the model's
outputs do not change by a single bit (``tests/test_kernels.py`` compares them with numpy
on random arrays of every length up to several thousand):

- ``add_at_1d(out, i, v)`` / ``add_at_2d(out, i, k, v)`` add ``v[n]`` to ``out[i[n]]``
  (``out[i[n], k[n]]``) one element after another, as ``np.add.at`` does;
- ``pairwise_sum(a)`` is ``np.add.reduce(a)`` on a float64 vector: numpy's pairwise sum
  (fewer than 8 elements added in order from -0.0; blocks of at most 128 summed with eight
  accumulators; longer runs halved at a multiple of eight), and so is this;
- ``nonzero_sum(a)`` is ``np.add.reduce(a[a != 0])`` without building the masked copy in
  Python.

The public kernels carry explicit signatures (float64 values, int64 indices, writable
arrays of any layout): they compile, or load from numba's cache, when this module is
imported, and an argument of another type is a ``TypeError`` rather than a compilation in
the middle of a run.
"""

from __future__ import annotations

import numba
import numpy as np

_BLOCK = 128       # numpy's PW_BLOCKSIZE: the longest run summed with eight accumulators
_UNROLL = 8
_DEPTH = 64       # halving a length below 2**63 takes fewer levels


@numba.njit(cache=True, nogil=True)
def _block(a, lo, n):  # pragma: no cover - compiled
    """The numpy pairwise sum of a run of at most 128 elements ``a[lo:lo + n]``."""
    if n < _UNROLL:
        res = -0.0                  # numpy starts at -0.0 so that a sum of -0.0 stays -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = _UNROLL
    stop = n - n % _UNROLL
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += _UNROLL
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True)
def _pairwise(a, lo, n):  # pragma: no cover - compiled
    """The numpy ``pairwise_sum`` of ``a[lo:lo + n]`` (``loops_utils.h.src``), same order.

    numpy recurses: a run longer than 128 is cut in two at half its length rounded down to
    a multiple of 8, and the halves' sums are added. The same tree is walked here with an
    explicit stack (numba's on-disk cache does not keep recursive functions).
    """
    if n <= _BLOCK:
        return _block(a, lo, n)
    los = np.empty(_DEPTH, dtype=np.int64)
    ns = np.empty(_DEPTH, dtype=np.int64)
    stage = np.zeros(_DEPTH, dtype=np.int64)     # 0: go left, 1: go right, 2: add the two
    vals = np.empty(_DEPTH + 1)
    top, vtop = 0, 0
    los[0], ns[0] = lo, n
    while top >= 0:
        m = ns[top]
        if m <= _BLOCK:
            vals[vtop] = _block(a, los[top], m)
            vtop += 1
            top -= 1
            continue
        half = m // 2
        half -= half % _UNROLL
        if stage[top] == 2:
            vals[vtop - 2] = vals[vtop - 2] + vals[vtop - 1]
            vtop -= 1
            top -= 1
            continue
        left = stage[top] == 0
        stage[top] += 1
        los[top + 1] = los[top] if left else los[top] + half
        ns[top + 1] = half if left else m - half
        stage[top + 1] = 0
        top += 1
    return vals[0]


@numba.njit("float64(float64[:])", cache=True, nogil=True)
def pairwise_sum(a):  # pragma: no cover - compiled
    """``np.add.reduce(a)`` of a float64 vector (0.0 when empty)."""
    n = a.shape[0]
    if n == 0:
        return 0.0
    return 0.0 + _pairwise(a, 0, n)     # numpy adds the pairwise sum to its identity, 0.0


@numba.njit("float64(float64[:])", cache=True, nogil=True)
def nonzero_sum(a):  # pragma: no cover - compiled
    """``np.add.reduce(a[a != 0])`` of a float64 vector."""
    kept = np.empty(a.shape[0])
    m = 0
    for i in range(a.shape[0]):
        if a[i] != 0.0:
            kept[m] = a[i]
            m += 1
    return pairwise_sum(kept[:m])


@numba.njit("void(float64[:], int64[:], float64[:])", cache=True, nogil=True)
def add_at_1d(out, i, v):  # pragma: no cover - compiled
    """``np.add.at(out, i, v)``: ``out[i[n]] += v[n]`` for n in order."""
    for n in range(i.shape[0]):
        out[i[n]] += v[n]


@numba.njit("void(float64[:, :], int64[:], int64[:], float64[:])", cache=True, nogil=True)
def add_at_2d(out, i, k, v):  # pragma: no cover - compiled
    """``np.add.at(out, (i, k), v)``: ``out[i[n], k[n]] += v[n]`` for n in order."""
    for n in range(i.shape[0]):
        out[i[n], k[n]] += v[n]
