"""Seasonality fitted from a history: twelve monthly factors of deal arrival.

The history's monthly total revenue (the channels it reports) is regressed on the log scale::

    log y_t = a + b t + s_(t mod 12) + e_t,        s_0 + ... + s_11 = 0

by ordinary least squares, month 0 being the history's first month, which the model's week 1
starts (so the factors are in the history's calendar: ``market.seasonality[0]`` is its first
month's). The eleven free month effects are tested together against trend alone, an F test
on 11 and ``n - 13`` degrees of freedom; seasons are fitted only when it rejects at
``SEASON_ALPHA`` with at least ``MIN_SEASON_MONTHS`` months, since three observations of
each calendar month leave a pattern from luck alone of about ``sd / sqrt(3)``.

Revenue's calendar pattern is not quite deal arrival's: distributors' stock and forecasts
spread and delay it. So the factors are corrected on the model itself (indirect inference):
run the scenario with the current factors, estimate the same month effects from the
simulated totals, and move the log factors by the gap to the history's, ``REFINE_STEPS``
times. What is fitted is the arrival factor that makes the model's revenue show the
history's pattern.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.studies.calibration import log_revenue
from sim.scenario import Scenario
from sim.vocab import MONTHS_PER_YEAR

SEASON_ALPHA = 0.05      # the F test's level for fitting seasons at all
MIN_SEASON_MONTHS = 24   # two observations of each calendar month at least
REFINE_STEPS = 3         # corrections of the arrival factors on simulated revenue


@dataclass(frozen=True)
class Seasons:
    """Month effects of a monthly series and their test.

    Attributes:
        effects: ``[12]`` month effects on the log scale (sum 0), month 0 the series' first.
        f_stat: the F statistic of the eleven free effects against trend alone.
        p_value: its p-value (1 where the series is too short to test).

    """

    effects: np.ndarray
    f_stat: float
    p_value: float

    @property
    def factors(self) -> np.ndarray:
        """``[12]`` multiplicative factors, mean 1."""
        return _normalised(self.effects)

    def shown(self, months: int) -> bool:
        """Whether seasons are fitted: ``months`` long enough and the test rejecting."""
        return months >= MIN_SEASON_MONTHS and self.p_value < SEASON_ALPHA


def _design(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Trend-only and trend-plus-months design matrices (effect coding, month 11 = minus sum)."""
    t = np.arange(n, dtype=float) / MONTHS_PER_YEAR
    base = np.column_stack([np.ones(n), t])
    month = np.arange(n) % MONTHS_PER_YEAR
    coded = np.zeros((n, MONTHS_PER_YEAR - 1))
    for m in range(MONTHS_PER_YEAR - 1):
        coded[:, m] = (month == m).astype(float) - (month == MONTHS_PER_YEAR - 1)
    return base, np.column_stack([base, coded])


def month_effects(series: np.ndarray) -> Seasons:
    """The month effects of a monthly series and the F test of their being all zero.

    ``log y_t = a + b t + s_(t mod 12) + e_t`` with ``sum s = 0``; ``F = ((RSS_0 - RSS_1) /
    11) / (RSS_1 / (n - 13))``, ``RSS_0`` the residual sum of squares of trend alone.

    Args:
        series: ``[n]`` monthly values (money, >= 0), ``n >= 14``.

    Returns:
        the effects and their test; with fewer than 14 months, no effects and p-value 1.

    """
    y = log_revenue(series)
    n = len(y)
    if n < MONTHS_PER_YEAR + 2:
        return Seasons(np.zeros(MONTHS_PER_YEAR), 0.0, 1.0)
    base, full = _design(n)
    b0 = np.linalg.lstsq(base, y, rcond=None)[0]
    b1 = np.linalg.lstsq(full, y, rcond=None)[0]
    r0 = float(np.sum((y - base @ b0) ** 2))
    r1 = float(np.sum((y - full @ b1) ** 2))
    free = b1[2:]
    effects = np.append(free, -free.sum())
    dof = n - full.shape[1]
    if r1 <= 1e-300:                       # an exact fit: the pattern is all there is
        return Seasons(effects, np.inf, 0.0)
    f = ((r0 - r1) / (MONTHS_PER_YEAR - 1)) / (r1 / dof)
    return Seasons(effects, float(f), float(stats.f.sf(f, MONTHS_PER_YEAR - 1, dof)))


@dataclass(frozen=True)
class SeasonFit:
    """The outcome of fitting seasons to a history.

    Attributes:
        observed: the history's month effects and their test.
        fitted: ``[12]`` arrival factors (``market.seasonality``), or None when the history
            shows no seasons the test can tell from luck (or is too short).
        simulated: the month effects of the model's revenue with the fitted factors (the
            last correction's runs), or None.
        asked: whether seasons were to be fitted at all.

    """

    observed: Seasons
    fitted: np.ndarray | None
    simulated: np.ndarray | None
    asked: bool = True       # False: the caller turned seasons off (--no-seasons)


def fit_seasons(total: np.ndarray, simulate: Callable[[np.ndarray], np.ndarray],
                steps: int = REFINE_STEPS) -> SeasonFit:
    """Fit arrival factors so that the model's revenue shows the history's month effects.

    Args:
        total: ``[n]`` the history's monthly total revenue (fitted months only).
        simulate: factors ``[12]`` -> ``[runs, n]`` simulated monthly totals (the same
            channels and months as ``total``).
        steps: corrections on simulated revenue after the first guess (the history's own
            factors).

    Returns:
        the fit; ``fitted`` None where the test does not reject or the history is short.

    """
    observed = month_effects(total)
    if not observed.shown(len(total)):
        return SeasonFit(observed, None, None)
    log_f = observed.effects.copy()
    simulated = None
    for _ in range(steps):
        runs = simulate(_normalised(log_f))
        simulated = month_effects(np.exp(np.mean([log_revenue(r) for r in runs], axis=0))).effects
        log_f = log_f + (observed.effects - simulated)
    return SeasonFit(observed, _normalised(log_f), simulated)


def _normalised(log_f: np.ndarray) -> np.ndarray:
    f = np.exp(log_f - log_f.mean())
    return f / f.mean()


def with_flat_seasons(sc: Scenario) -> Scenario:
    """``sc`` with twelve factors of 1 where it has no seasons (the same runs).

    :func:`season_values` sets factors by path, which needs the list to exist.
    """
    if sc.market.seasonality is not None:
        return sc
    flat = sc.market.model_copy(update={"seasonality": [1.0] * MONTHS_PER_YEAR})
    return sc.model_copy(update={"market": flat})


def season_values(factors: np.ndarray) -> dict[str, float]:
    """The factors as settings by dotted path (``market.seasonality.0`` ...)."""
    return {f"market.seasonality.{m}": float(v) for m, v in enumerate(factors)}


def season_sentence(fit: SeasonFit, months: int) -> str:
    """What the fit did about seasons, in words."""
    obs = fit.observed
    if not fit.asked:
        return (f"Seasons not fitted (--no-seasons; the history's month effects test "
                f"p = {obs.p_value:.2g}); the scenario's own seasonality is kept.")
    if months < MIN_SEASON_MONTHS:
        return (f"Seasons not fitted: {months} months, fewer than {MIN_SEASON_MONTHS}; the "
                "scenario's own seasonality is kept.")
    if fit.fitted is None:
        return (f"No seasonal pattern the history can tell from luck (F test of the month "
                f"effects p = {obs.p_value:.2f}); the scenario's own seasonality is kept.")
    f = fit.fitted
    peak, low = int(np.argmax(f)), int(np.argmin(f))
    return (f"Seasons fitted (F test of the month effects p = {obs.p_value:.2g}): "
            f"market.seasonality from the history, month 1 its first; highest month "
            f"{peak + 1} x{f[peak]:.2f}, lowest month {low + 1} x{f[low]:.2f} (deal arrival, "
            f"corrected {REFINE_STEPS} times on simulated revenue).")
