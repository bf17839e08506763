"""Commitment of a channel agent to the brand, and the states it leads to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.vocab import State


@dataclass(frozen=True)
class CommitmentWeights:
    """Weights of the commitment drivers (see :func:`commitment_target`)."""

    bias: float
    margin: float
    incentive: float
    training: float
    tier: float
    volume: float
    conflict: float


def commitment_target(
    w: CommitmentWeights,
    margin_gap: np.ndarray,
    incentive_rate: np.ndarray,
    trained: np.ndarray,
    tier: np.ndarray,
    volume: np.ndarray,
    conflicts_lost: np.ndarray,
) -> np.ndarray:
    """The commitment an agent drifts toward, in (0, 1).

    ``c* = sigmoid(bias + w_m * gap + w_i * incentive + w_t * trained + w_tier * tier
    + w_v * volume - w_c * log1p(conflicts_lost))``, where ``gap`` is the realised margin on the
    brand minus the margin on the competitor's line (fraction), ``incentive`` the rebates,
    bonuses and marketing funds received per unit of purchases (fraction), ``trained`` 0/1,
    ``tier`` 0 (base), 1 (silver), 2 (gold), ``volume`` ``log1p`` of recent weekly
    sell-through in units of the typical deal, and ``conflicts_lost`` the recent rate of
    deals lost to the brand's own channels (per week; its log1p saturates the pain).
    """
    x = (
        w.bias
        + w.margin * margin_gap
        + w.incentive * incentive_rate
        + w.training * trained
        + w.tier * tier
        + w.volume * volume
        - w.conflict * np.log1p(conflicts_lost)
    )
    return 1.0 / (1.0 + np.exp(-x))


def update_commitment(c: np.ndarray, target: np.ndarray, speed: float) -> np.ndarray:
    """Partial adjustment: ``c' = c + speed * (target - c)``, kept in [0, 1]."""
    return np.clip(c + speed * (target - c), 0.0, 1.0)


def next_state(
    state: np.ndarray,
    c: np.ndarray,
    weeks_low: np.ndarray,
    selling: np.ndarray,
    defect_threshold: float,
    defect_weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance the contract states; return ``(state', weeks_low')``.

    A contracted agent is active when it is ``selling`` (it sold, bought, specified the
    brand into a project or held an open registration in the last weeks, as the caller
    counts them) and on paper otherwise: being on paper says what it did, not what it
    feels. ``weeks_low`` counts consecutive weeks with ``c < defect_threshold``; reaching
    ``defect_weeks`` makes the agent defect for good. Defected, removed and
    not-yet-contracted agents keep their state.
    """
    contracted = (state == State.ACTIVE) | (state == State.ON_PAPER)
    low = contracted & (c < defect_threshold)
    weeks_low = np.where(low, weeks_low + 1, 0)
    new = np.where(selling, State.ACTIVE, State.ON_PAPER)
    new = np.where(low & (weeks_low >= defect_weeks), State.DEFECTED, new)
    return np.where(contracted, new, state), weeks_low
