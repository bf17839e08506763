"""The world around the channel: the competitor's answer and the seasons of demand."""

from __future__ import annotations

import numpy as np


def restoring_discount(current: float, share_gap: float, price_weight: float, share: float,
                       response: float, low: float, high: float) -> float:
    """The competitor's extra discount next week, moving to win back the share it lost.

    The discount that would restore a lost share ``gap`` at first order is
    ``current + gap / (price_weight x s (1 - s))`` (a binary logit's slope in its price,
    ``s`` its share now); it moves there by partial adjustment at ``response`` per week,
    within ``[low, high]`` (no discount below 0, none below its own margin floor)::

        d' = clip(d + response x gap / (price_weight x s (1 - s)), low, high)

    ``response = 0`` keeps the discount where it is.
    """
    slope = price_weight * max(share * (1.0 - share), 1e-6)
    return float(np.clip(current + response * share_gap / slope, low, high))


def seasonal_factors(monthly, weeks: np.ndarray) -> np.ndarray:
    """Demand factor of each week from 12 monthly factors, normalised to mean 1 over a year.

    Week ``w`` (1-based) falls in month ``floor(((w - 1) mod 52) / (52 / 12))``; the 52
    weeks' factors are divided by their mean, so seasons move demand within the year and
    leave the year's total alone.
    """
    m = np.asarray(monthly, dtype=float)
    year = np.arange(52)
    raw = m[np.minimum((year / (52.0 / 12.0)).astype(int), 11)]
    norm = raw / raw.mean()
    return norm[(np.asarray(weeks) - 1) % 52]
