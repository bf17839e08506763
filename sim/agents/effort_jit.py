"""The week's effort plan of one policy in two compiled passes (``EffortPlan._spread``).

The readable form is the chain of array rules ``sim.rules.effort.allocate``,
``per_opportunity`` and ``reach`` that ``EffortPlan`` documents; these kernels make the same
arithmetic in the same order, element by element, so the arrays are the same to the last
bit (``tests/test_kernels.py`` compares them with the rules on random plans). Per agent
``a`` and cell ``c = (r, s)``:

    w[a, c]   = pursued ? ceiling[r, s, a] * grown[r, s] * per_deal[s, a] : 0
    E[a, c]   = B[a] * (w[a, c] / sum_c w[a, c])     (0 where the row's sum is not > 0)
    e[a, c]   = E[a, c] / (grown[r, s] * share[a, s])  (0 where no deal is expected)
    sat       = 1 - exp(-k e)                          (numpy's expm1, between the passes)
    table     = allowed ? min(ceiling * sat, max_reach) : 0   (sat = 1 for a listing)

The row sum adds the cells in order: the weights reach ``allocate`` as the transpose of a
``[R*S, A]`` table, so numpy's ``sum(axis=-1)`` adds one column after another, not pairwise.
The exponential stays numpy's: its vectorised ``expm1`` and the C library's differ in the
last bit for a few percent of arguments.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def spread(cells, budget, per_deal, pursued):  # pragma: no cover - compiled
    """Effort ``E[A, R*S]`` and effort per opportunity ``e[R, S, A]``.

    Args:
        cells: (``ceiling[R, S, A]``, ``grown[R, S]``) the highest reach and the expected
            deals per week of each cell.
        budget: ``[A]`` each agent's effort budget.
        per_deal: (``per_deal[S, A]``, ``share[A, S]``) the per-deal weight factor, and the
            share of each segment's deals an agent may sell (ones when it sells every line).
        pursued: ``[R, S, A]`` the cells each agent may pursue.

    """
    ceiling, grown = cells
    factor, share = per_deal
    n_r, n_s, n_a = ceiling.shape
    n_c = n_r * n_s
    w = np.empty((n_a, n_c))
    for r in range(n_r):
        for s in range(n_s):
            for a in range(n_a):
                w[a, r * n_s + s] = (ceiling[r, s, a] * grown[r, s] * factor[s, a]
                                     if pursued[r, s, a] else 0.0)
    effort = np.empty((n_a, n_c))
    e = np.empty((n_r, n_s, n_a))
    for a in range(n_a):
        total = 0.0
        for c in range(n_c):
            total += w[a, c]
        for r in range(n_r):
            for s in range(n_s):
                c = r * n_s + s
                e_c = budget[a] * (w[a, c] / total) if total > 0 else budget[a] * 0.0
                effort[a, c] = e_c
                opp = grown[r, s] * share[a, s]
                e[r, s, a] = e_c / opp if opp > 0 else 0.0
    return effort, e


@numba.njit(cache=True, nogil=True)
def reach_table(sat, ceiling, masks, max_reach):  # pragma: no cover - compiled
    """The ``[R, S, A]`` reach table; a listing's saturation set to 1 in ``sat`` first.

    ``masks``: (``allowed[R, S, A]``, ``listing[A]``) the cells each agent may sell in, and
    which agents are marketplace listings (always there).
    """
    allowed, listing = masks
    n_r, n_s, n_a = sat.shape
    table = np.empty((n_r, n_s, n_a))
    for r in range(n_r):
        for s in range(n_s):
            for a in range(n_a):
                if listing[a]:
                    sat[r, s, a] = 1.0
                top = ceiling[r, s, a] * sat[r, s, a]
                table[r, s, a] = ((max_reach if top > max_reach else top)
                                  if allowed[r, s, a] else 0.0)
    return table


def _warm_up() -> None:
    """Load (or, the first time on a machine, compile) the kernels now, not in a run."""
    f3, b3 = np.zeros((1, 1, 1)), np.zeros((1, 1, 1), dtype=np.bool_)
    spread((f3, np.zeros((1, 1))), np.zeros(1), (np.zeros((1, 1)), np.ones((1, 1))), b3)
    reach_table(f3, f3, (b3, np.zeros(1, dtype=np.bool_)), 1.0)


_warm_up()
