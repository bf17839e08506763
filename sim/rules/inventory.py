"""Distributor stock: the order-up-to replenishment rule and its behavioural modifiers."""

from __future__ import annotations

import numpy as np


def moving_average(history: np.ndarray) -> np.ndarray:
    """Forecast per item: mean of the last ``p`` weeks (``history`` has weeks on axis 0)."""
    return np.asarray(history, dtype=float).mean(axis=0)


def order_up_to(
    forecast: np.ndarray,
    on_hand: np.ndarray,
    on_order: np.ndarray,
    backlog: np.ndarray,
    lead_time: int,
    safety_weeks: float,
    cover_factor: np.ndarray | float = 1.0,
    extra: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Replenishment order (units) under an order-up-to policy.

    Level ``S = cover * ((L + 1) * f + safety_weeks * f) + extra``; inventory position
    ``IP = on_hand + on_order - backlog``; order ``q = max(0, S - IP)``. ``cover`` scales
    the cover a distributor chooses to hold (destocking when < 1); ``extra`` is stock
    bought on top (forward buying, loading toward a rebate threshold).
    """
    f = np.asarray(forecast, dtype=float)
    level = cover_factor * ((lead_time + 1) * f + safety_weeks * f) + extra
    position = on_hand + on_order - backlog
    return np.maximum(0.0, level - position)


def cover_factor(
    margin: np.ndarray,
    margin_ref: np.ndarray,
    commitment: np.ndarray,
    commitment_ref: np.ndarray,
    elasticity: float,
    floor: float,
) -> np.ndarray:
    """How much of its normal cover a distributor holds, in ``[floor, 1]``.

    ``k = clip(1 + e * min(0, (m - m_ref) / m_ref, (c - c_ref) / c_ref), floor, 1)``:
    a fall in margin or commitment below its own recent normal (``*_ref``) makes the
    distributor destock, by ``e`` times the relative fall, whichever fall is larger.
    """
    dm = np.divide(margin - margin_ref, margin_ref, out=np.zeros_like(margin, dtype=float),
                   where=margin_ref > 0)
    dc = np.divide(commitment - commitment_ref, commitment_ref,
                   out=np.zeros_like(commitment, dtype=float), where=commitment_ref > 0)
    fall = np.minimum(0.0, np.minimum(dm, dc))
    return np.clip(1.0 + elasticity * fall, floor, 1.0)


def loading_extra(
    volume_so_far: np.ndarray,
    next_threshold: np.ndarray,
    reach: float,
    weeks_left: int,
    loading_weeks: int,
) -> np.ndarray:
    """Money a distributor buys extra to reach the next rebate tier before the period ends.

    In the last ``loading_weeks`` weeks, if the gap ``g = next_threshold - volume`` is
    positive and at most ``reach * next_threshold``, it buys ``g / weeks_left`` this week
    (spreading the gap over the weeks that remain); otherwise 0.
    """
    gap = np.asarray(next_threshold, dtype=float) - volume_so_far
    if weeks_left > loading_weeks or weeks_left <= 0:
        return np.zeros_like(gap)
    ok = (gap > 0) & (gap <= reach * next_threshold) & np.isfinite(next_threshold)
    return np.where(ok, gap / weeks_left, 0.0)
