"""Volume rebates: retroactive vs marginal tiers, and their weekly accrual.

Tiers are ``(threshold_k, rate_k)`` with increasing thresholds (money per period).

* retroactive: the rate of the highest tier reached applies to the whole volume,
  ``R(V) = V * rate_k*`` with ``k* = max{k : V >= threshold_k}``;
* marginal: each tier's rate applies only to the volume inside its band,
  ``R(V) = sum_k rate_k * max(0, min(V, threshold_{k+1}) - threshold_k)``.
"""

from __future__ import annotations

import numpy as np


def retroactive_rebate(volume: np.ndarray, thresholds, rates) -> np.ndarray:
    """Retroactive rebate (money) on period volume ``volume`` (money)."""
    return np.asarray(volume, dtype=float) * rebate_rate(volume, thresholds, rates)


def rebate_rate(volume: np.ndarray, thresholds, rates) -> np.ndarray:
    """Rate of the highest tier reached (0 below the first threshold)."""
    v = np.asarray(volume, dtype=float)
    th = np.asarray(thresholds, dtype=float)
    rt = np.concatenate([[0.0], np.asarray(rates, dtype=float)])
    return rt[np.searchsorted(th, v, side="right")]


def marginal_rebate(volume: np.ndarray, thresholds, rates) -> np.ndarray:
    """Marginal rebate (money): each tier's rate on the volume within its band."""
    v = np.asarray(volume, dtype=float)[..., None]
    th = np.asarray(thresholds, dtype=float)
    upper = np.concatenate([th[1:], [np.inf]])
    band = np.clip(np.minimum(v, upper) - th, 0.0, None)
    return band @ np.asarray(rates, dtype=float)


def rebate(volume: np.ndarray, thresholds, rates, scheme: str) -> np.ndarray:
    """Rebate owed on a period's volume under ``scheme``: none, retroactive or marginal."""
    if scheme == "none" or len(thresholds) == 0:
        return np.zeros_like(np.asarray(volume, dtype=float))
    if scheme == "retroactive":
        return retroactive_rebate(volume, thresholds, rates)
    if scheme == "marginal":
        return marginal_rebate(volume, thresholds, rates)
    raise ValueError(f"unknown rebate scheme {scheme!r}")


def weekly_accrual(before: np.ndarray, purchases: np.ndarray, thresholds, rates, scheme: str):
    """Accrual for one week: this week's purchases at the rate the period so far earns.

    ``accrual = purchases * r(before + purchases)`` for retroactive tiers (earlier weeks
    are not revalued until settlement), and the exact increment ``R(after) - R(before)``
    for marginal tiers. :func:`true_up` settles the difference at the period's end.
    """
    after = np.asarray(before, dtype=float) + purchases
    if scheme == "retroactive" and len(thresholds):
        return np.asarray(purchases, dtype=float) * rebate_rate(after, thresholds, rates)
    return rebate(after, thresholds, rates, scheme) - rebate(before, thresholds, rates, scheme)


def true_up(volume: np.ndarray, accrued: np.ndarray, thresholds, rates, scheme: str):
    """Settlement adjustment at the period's end: ``R(V) - accrued`` (money)."""
    return rebate(volume, thresholds, rates, scheme) - np.asarray(accrued, dtype=float)


def prorate(thresholds, share: float) -> np.ndarray:
    """Thresholds of a period cut short (or a stub period): ``threshold x share`` (money).

    ``share`` is the part of a full period the shortened one covers (weeks / period weeks),
    so a scheme earns the same rate on the same pace of purchases whatever the length.
    """
    return np.asarray(thresholds, dtype=float) * float(share)


def expected_rate(volume: np.ndarray, elapsed, length, thresholds, rates,
                  scheme: str) -> np.ndarray:
    """The rebate rate an agent expects for the period, at its pace so far.

    Its period volume is projected to the whole period, ``V = volume x length / elapsed``
    (weeks), and the rate is ``R(V) / V``: the retroactive tier rate reached, or the marginal
    scheme's average rate; at no volume, the rate its first purchase would earn.
    """
    v = np.asarray(volume, dtype=float) * (np.asarray(length, dtype=float)
                                           / np.maximum(np.asarray(elapsed, dtype=float), 1.0))
    owed = rebate(v, thresholds, rates, scheme)
    first = rebate_rate(np.zeros(v.shape), thresholds, rates)   # what the first unit earns
    return np.where(v > 0, np.divide(owed, v, out=np.zeros(v.shape), where=v > 0), first)
