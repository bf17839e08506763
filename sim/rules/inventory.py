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
    bought on top (forward buying, loading toward a rebate threshold, and what a required
    minimum cover adds: :func:`required_extra`).
    """
    f = np.asarray(forecast, dtype=float)
    level = cover_factor * ((lead_time + 1) * f + safety_weeks * f) + extra
    position = on_hand + on_order - backlog
    return np.maximum(0.0, level - position)


def required_extra(chosen_level: np.ndarray, min_level: np.ndarray) -> np.ndarray:
    """Units a requirement makes a distributor hold beyond its own level: ``max(0, W f - S)``."""
    return np.maximum(0.0, np.asarray(min_level, dtype=float) - chosen_level)


def holding_cost(units: np.ndarray, unit_price: np.ndarray, holding_rate: float) -> np.ndarray:
    """Weekly cost of holding ``units`` bought at ``unit_price``: ``units x price x h / 52``.

    ``h`` is the annual holding-cost rate (capital, storage, obsolescence), a fraction of
    the stock's value per year.
    """
    return np.asarray(units, dtype=float) * unit_price * holding_rate / 52.0


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
    dm = np.divide(margin - margin_ref, margin_ref, out=np.zeros(np.shape(margin)),
                   where=margin_ref > 0)
    dc = np.divide(commitment - commitment_ref, commitment_ref,
                   out=np.zeros(np.shape(commitment)), where=commitment_ref > 0)
    fall = np.minimum(0.0, np.minimum(dm, dc))
    return np.clip(1.0 + elasticity * fall, floor, 1.0)


def loading_extra(
    volume_so_far: np.ndarray,
    next_threshold: np.ndarray,
    reach: float,
    weeks_left,
    loading_weeks: int,
) -> np.ndarray:
    """Money a distributor buys extra to reach the next rebate tier before the period ends.

    In the last ``loading_weeks`` weeks of its period (``weeks_left``, per distributor or
    one for all), if the gap ``g = next_threshold - volume`` is positive and at most
    ``reach * next_threshold``, it buys ``g / weeks_left`` this week (spreading the gap over
    the weeks that remain); otherwise 0.
    """
    gap = np.asarray(next_threshold, dtype=float) - volume_so_far
    left = np.broadcast_to(np.asarray(weeks_left, dtype=float), gap.shape)
    ok = ((gap > 0) & (gap <= reach * next_threshold) & np.isfinite(next_threshold)
          & (left <= loading_weeks) & (left > 0))
    return np.where(ok, gap / np.where(left > 0, left, 1.0), 0.0)


def adjust(cover: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Partial adjustment of cover toward its target: ``k' = k + rate x (target - k)``."""
    return cover + rate * (np.asarray(target, dtype=float) - cover)


def net_price_factor(discount, rebate_rate, bonus_rate, funds_rate) -> np.ndarray:
    """What a reseller expects to pay per unit of list: ``(1 - d) (1 - r - b - f)``.

    ``d`` its purchase discount, ``r`` the rebate rate it expects at its volume, ``b`` the
    bonuses it expects (on any sale, for meeting plan), ``f`` marketing funds, all as
    fractions of its purchases.
    """
    d = np.asarray(discount, dtype=float)
    return (1.0 - d) * (1.0 - np.asarray(rebate_rate) - np.asarray(bonus_rate)
                        - np.asarray(funds_rate))


def forward_weeks(rise: np.ndarray, holding_rate: float, credit_weeks: float) -> np.ndarray:
    """Weeks of forecast bought ahead of an announced rise in the net purchase price.

    Buying ``k`` weeks early saves ``rise`` on them and costs ``holding_rate x k / 52`` (an
    annual rate) of holding: it pays while ``k <= 52 x rise / holding_rate``; the credit limit
    caps ``k`` at ``credit_weeks`` of normal purchases; no rise, no forward buying::

        k = min(52 x max(rise, 0) / holding_rate, credit_weeks)
    """
    rise = np.maximum(np.asarray(rise, dtype=float), 0.0)
    return np.minimum(52.0 * rise / holding_rate, credit_weeks)
