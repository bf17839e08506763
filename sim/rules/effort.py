"""Effort as a budget: how an agent spreads a fixed effort and what it buys in reach.

An agent's weekly effort budget ``B`` (opportunity-equivalents per week; :func:`budget` for a
reseller, zero while it is dormant) is spread over the
market cells (region, segment) it may pursue, in proportion to weights from the cells'
*expected* arrivals (not the week's actual deals)::

    E_c = B * w_c / sum_{c' allowed} w_c'            (all of B is used where any cell is allowed)

Its effort on one opportunity of cell ``c`` is ``e_c = E_c / lambda_c`` (``lambda_c``: the
cell's expected deals per week), and its chance of hearing of such a deal saturates::

    p_c = b_c * (1 - exp(-k * e_c))

with ``b_c`` the highest reach it could have there (role, segment and distance). Confining
an agent to fewer cells concentrates the same budget: a cell it keeps gets at most
``1 / (1 - s)`` times its effort, ``s`` the effort-weighted share of the cells it lost, and
by concavity its reach rises by a factor in ``[1, 1 / (1 - s)]``. Nothing is created.
"""

from __future__ import annotations

import numpy as np


def budget(size: np.ndarray, commitment: np.ndarray, per_week: float, exponent: float,
           activation: float) -> np.ndarray:
    """A reseller's weekly budget ``B = per_week * size * c ** exponent`` if ``c >= activation``.

    Below ``activation`` the budget is 0: carrying the brand's line (price lists, trained
    staff, demo stock) costs a fixed share of a reseller's effort, worth paying only when it
    is committed enough; it stays under contract, so a rise in commitment revives it.

    Args:
        size: ``[A]`` size (a reseller of average size is 1).
        commitment: ``[A]`` commitment to the brand, in [0, 1].
        per_week: opportunity-equivalents a week of an average reseller at full commitment.
        exponent: power of commitment (>= 0).
        activation: commitment below which the budget is 0.

    Returns:
        ``[A]`` opportunity-equivalents per week (>= 0).

    """
    c = np.asarray(commitment, dtype=float)
    b = per_week * np.asarray(size, dtype=float) * c ** exponent
    return np.where(c >= activation, b, 0.0)


def allocate(budget: np.ndarray, weights: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Effort per cell ``E[a, c] = B[a] * w[a, c] / sum_c w[a, c]`` over allowed cells.

    Args:
        budget: ``[A]`` effort budget per agent (opportunity-equivalents per week, >= 0).
        weights: ``[A, C]`` non-negative weights of the cells (expected value to the agent).
        allowed: ``[A, C]`` the cells each agent may pursue.

    Returns:
        ``[A, C]`` effort per cell; rows sum to ``B`` where any allowed cell has a positive
        weight, and to 0 otherwise.

    """
    w = np.where(allowed, np.asarray(weights, dtype=float), 0.0)
    total = w.sum(axis=-1, keepdims=True)
    some = total > 0                       # (np.where: the masked division's numbers, faster)
    share = np.where(some, w / np.where(some, total, 1.0), 0.0)
    return np.asarray(budget, dtype=float)[..., None] * share


def per_opportunity(effort: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
    """Effort on one opportunity of each cell: ``e = E / lambda`` (0 where no deal is due)."""
    arrivals = np.asarray(arrivals, dtype=float)
    shape = np.shape(effort)
    # (the broadcast rule checked by hand: np.broadcast_shapes costs more than the division)
    fits = arrivals.ndim <= len(shape) and all(
        a in (1, n) for a, n in zip(arrivals.shape[::-1], shape[::-1], strict=False))
    if not fits:
        raise ValueError(f"arrivals of shape {arrivals.shape} do not fit effort of shape {shape}")
    due = arrivals > 0
    # divide where a deal is due (by 1 elsewhere, then zeroed): the same numbers as a masked
    # division, without its slower broadcast-and-mask path
    return np.where(due, np.divide(effort, np.where(due, arrivals, 1.0)), 0.0)


def reach(base: np.ndarray, k: float, effort: np.ndarray) -> np.ndarray:
    """Chance of hearing of an opportunity: ``p = b * (1 - exp(-k * e))``, in ``[0, b]``."""
    return np.asarray(base, dtype=float) * -np.expm1(-k * np.asarray(effort, dtype=float))


def within_capacity(owner: np.ndarray, value: np.ndarray, key: np.ndarray,
                    capacity: np.ndarray) -> np.ndarray:
    """Which of an agent's open deals it keeps when it holds more than its capacity.

    Each owner keeps its ``capacity[owner]`` deals of highest ``value`` (expected margin,
    money); ties are broken by the lower deal ``key``; the rest are dropped.

    Args:
        owner: the agent holding each deal.
        value: each deal's expected margin to it.
        key: each deal's key (unique per deal).
        capacity: the most open deals each agent can hold (indexed by agent).

    Returns:
        A mask over the deals: True for those kept.

    """
    owner = np.asarray(owner, dtype=np.int64)
    if owner.size == 0:
        return np.zeros(0, dtype=bool)
    capacity = np.asarray(capacity)
    held = np.bincount(owner, minlength=len(capacity))
    if len(held) == len(capacity) and (held <= capacity).all():
        return np.ones(len(owner), dtype=bool)      # nobody holds more than it can: all kept
    order = np.lexsort((np.asarray(key, dtype=np.uint64), -np.asarray(value, dtype=float),
                        owner))
    sorted_owner = owner[order]
    first = np.searchsorted(sorted_owner, sorted_owner, side="left")
    rank = np.arange(len(order)) - first
    keep = np.zeros(len(owner), dtype=bool)
    keep[order] = rank < capacity[sorted_owner]
    return keep
