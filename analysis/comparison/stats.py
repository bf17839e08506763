"""Statistics for paired comparisons: intervals, probabilities, dips and recoveries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A point estimate with a 95% interval."""

    estimate: float
    low: float
    high: float


def paired_t(diff: np.ndarray, level: float = 0.95) -> Interval:
    """Mean of paired differences with a Student-t interval (``scipy.stats.t``)."""
    d = np.asarray(diff, dtype=float)
    m = float(d.mean())
    if len(d) < 2 or np.all(d == d[0]):
        return Interval(m, m, m)
    half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return Interval(m, m - half, m + half)


BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0  # fixed: the same differences give the same interval


def bootstrap(diff: np.ndarray, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = BOOTSTRAP_SEED) -> Interval:
    """Mean of paired differences with a percentile bootstrap interval."""
    d = np.asarray(diff, dtype=float)
    m = float(d.mean())
    if len(d) < 2:
        return Interval(m, m, m)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(resamples, len(d)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return Interval(m, float(lo), float(hi))


def shrinks(diff: np.ndarray, base: np.ndarray | None = None,
            material: float = 0.0) -> np.ndarray:
    """Where a strategy shrinks turnover: ``diff < material * base`` (``diff < 0`` alone).

    ``diff`` is the paired difference strategy - baseline per future; ``material`` a
    threshold as a fraction of the baseline (e.g. -0.01: a shrink worse than 1%).
    """
    diff = np.asarray(diff, dtype=float)
    return diff < 0 if base is None else diff < material * np.asarray(base, dtype=float)


def wilson(k: int, n: int, level: float = 0.95) -> Interval:
    """Share ``k / n`` with its Wilson score interval."""
    if n == 0:
        return Interval(float("nan"), 0.0, 1.0)
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Dip:
    """The worst stretch of a paired difference curve and when it ends."""

    depth: float  # money per week (negative: strategy below baseline)
    depth_pct: float  # percent of baseline turnover in that week
    week: int
    recovery_week: int | None  # first week after which the curve stays >= -tol for `hold`


def dip_and_recovery(weeks: np.ndarray, diff: np.ndarray, base: np.ndarray, start: int,
                     tolerance: float = 0.005, hold: int = 8) -> Dip:
    """Dip and recovery of a paired difference curve from week ``start`` on.

    ``diff`` and ``base`` are per-week (already smoothed) strategy − baseline and baseline
    turnover. The dip is the minimum of ``diff`` from ``start``; its percentage is against
    the baseline that week. Recovery is the first week ``w`` from the dip on such that
    ``diff >= -tolerance * base`` in each of the ``hold`` weeks ``w .. w + hold - 1``; None
    if that never happens within the horizon.
    """
    mask = weeks >= start
    w, d, b = weeks[mask], diff[mask], base[mask]
    if len(w) == 0:
        return Dip(0.0, 0.0, start, start)
    i = int(np.argmin(d))
    pct = 100.0 * d[i] / b[i] if b[i] else 0.0
    if d[i] >= -tolerance * abs(b[i]):
        return Dip(float(d[i]), float(pct), int(w[i]), int(w[i]))
    ok = d >= -tolerance * np.abs(b)
    for j in range(i, len(w) - hold + 1):
        if ok[j:j + hold].all():
            return Dip(float(d[i]), float(pct), int(w[i]), int(w[j]))
    return Dip(float(d[i]), float(pct), int(w[i]), None)


def rolling_mean(x: np.ndarray, window: int = 4) -> np.ndarray:
    """Trailing moving average (shorter at the start), along the last axis."""
    x = np.asarray(x, dtype=float)
    c = np.cumsum(x, axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    n = np.minimum(np.arange(1, x.shape[-1] + 1), window)
    return out / n
